using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Host.Payments;

/// <summary>
/// NDJSON in, NDJSON out: one result per non-blank line, in input order, with memory bounded by
/// <see cref="Window"/> lines whatever the body size. Lines run concurrently, except that lines for the same
/// order or payment wait for each other, so every line gets the outcome a one-by-one run would give it.
/// </summary>
internal sealed class PaymentIngestion(CapturedPaymentHandler handler)
{
    /// <summary>
    /// Most lines in flight; the reader stops reading the body while this many wait for their turn to be written. Results
    /// go out in input order, so a slow line holds back the lines after it: 256 left the machine a quarter idle (6.5-9.3k
    /// lines/s), 1,024 gives 9.4-9.8k, and a line in flight is a few hundred bytes.
    /// </summary>
    public const int Window = 1024;

    /// <summary>A longer line is answered <c>invalid</c> without being buffered whole.</summary>
    public const int MaxLineBytes = 64 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task RunAsync(PipeReader input, Stream output, CancellationToken cancellationToken)
    {
        var inFlight = new Queue<Task<LineResult>>();
        var lastByKey = new Dictionary<string, Task>(StringComparer.Ordinal);
        var lineNumber = 0;
        var pendingWrites = 0;

        await foreach (var line in ReadLinesAsync(input, cancellationToken))
        {
            lineNumber++;
            if (line.IsBlank)
            {
                continue;
            }
            inFlight.Enqueue(StartLine(lineNumber, line, lastByKey, cancellationToken));
            while (inFlight.Count >= Window || (inFlight.Count > 0 && inFlight.Peek().IsCompleted))
            {
                await WriteAsync(await inFlight.Dequeue(), output, lastByKey, cancellationToken);
                pendingWrites++;
            }
            if (pendingWrites >= 64 || (inFlight.Count == 0 && pendingWrites > 0))
            {
                await output.FlushAsync(cancellationToken);
                pendingWrites = 0;
            }
        }
        while (inFlight.Count > 0)
        {
            await WriteAsync(await inFlight.Dequeue(), output, lastByKey, cancellationToken);
        }
        await output.FlushAsync(cancellationToken);
    }

    private Task<LineResult> StartLine(int lineNumber, Line line, Dictionary<string, Task> lastByKey, CancellationToken ct)
    {
        CapturedPayment? payment = null;
        if (!line.TooLong)
        {
            try
            {
                using var document = JsonDocument.Parse(line.Bytes);
                payment = CapturedPayment.From(document.RootElement);
            }
            catch (JsonException)
            {
                // answered below as unparsable
            }
        }
        if (payment is null)
        {
            return Task.FromResult(new LineResult(lineNumber, null, null, CapturedOutcome.InvalidBecause("unparsable")));
        }

        // A line waits for earlier lines of the same order (same registration) and of the same payment id
        // (which may name another order): those are the lines whose outcome can depend on it.
        var orderKey = "o:" + payment.OrderId;
        var paymentKey = "p:" + payment.Id;
        lastByKey.TryGetValue(orderKey, out var sameOrder);
        lastByKey.TryGetValue(paymentKey, out var samePayment);
        var previous = (sameOrder, samePayment) switch
        {
            (null, null) => null,
            ({ } o, null) => o,
            (null, { } p) => p,
            var (o, p) => Task.WhenAll(o!, p!),
        };
        var task = RunAfterAsync(previous, lineNumber, payment, ct);
        lastByKey[orderKey] = task;
        lastByKey[paymentKey] = task;
        return task;
    }

    private async Task<LineResult> RunAfterAsync(Task? previous, int lineNumber, CapturedPayment payment, CancellationToken ct)
    {
        if (previous is not null)
        {
            await previous.ConfigureAwait(false);
        }
        var outcome = await handler.HandleAsync(payment, ct).ConfigureAwait(false);
        return new LineResult(lineNumber, payment.Id, payment.OrderId, outcome);
    }

    private static async Task WriteAsync(LineResult result, Stream output, Dictionary<string, Task> lastByKey, CancellationToken ct)
    {
        // Forget a chain once its last line is written, so the map stays as small as the window.
        foreach (var key in result.Keys)
        {
            if (lastByKey.TryGetValue(key, out var last) && last.IsCompleted)
            {
                lastByKey.Remove(key);
            }
        }
        var record = new ResultLine(result.Line, result.PaymentId, result.Outcome.Outcome, result.Outcome.RegistrationId, result.Outcome.Error);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(record, Json);
        await output.WriteAsync(bytes, ct);
        await output.WriteAsync("\n"u8.ToArray(), ct);
    }

    private static async IAsyncEnumerable<Line> ReadLinesAsync(PipeReader input, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var skippingLongLine = false;
        while (true)
        {
            var read = await input.ReadAsync(ct);
            var buffer = read.Buffer;
            while (TryTakeLine(ref buffer, out var line))
            {
                if (skippingLongLine)
                {
                    skippingLongLine = false;
                    continue; // the tail of a line already answered as too long
                }
                yield return Line.From(line);
            }

            if (buffer.Length > MaxLineBytes && !skippingLongLine)
            {
                yield return Line.Oversized;
                skippingLongLine = true;
            }
            if (skippingLongLine)
            {
                input.AdvanceTo(buffer.End);
            }
            else
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }

            if (read.IsCompleted)
            {
                if (!buffer.IsEmpty && !skippingLongLine)
                {
                    yield return Line.From(buffer);
                }
                break;
            }
        }
        await input.CompleteAsync();
    }

    private static bool TryTakeLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var newline = buffer.PositionOf((byte)'\n');
        if (newline is null)
        {
            line = default;
            return false;
        }
        line = buffer.Slice(0, newline.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
        return true;
    }

    private readonly record struct Line(byte[] Bytes, bool TooLong)
    {
        public static readonly Line Oversized = new([], true);

        public bool IsBlank => !TooLong && Bytes.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r');

        public static Line From(ReadOnlySequence<byte> bytes) => new(bytes.ToArray(), false);
    }

    private sealed record LineResult(int Line, string? PaymentId, string? OrderId, CapturedOutcome Outcome)
    {
        /// <summary>The chain keys this line was registered under.</summary>
        public IEnumerable<string> Keys => OrderId is null ? [] : ["o:" + OrderId, "p:" + PaymentId];
    }

    private sealed record ResultLine(int Line, string? PaymentId, string Outcome, string? RegistrationId, string? Error)
    {
        // paymentId is part of every line, even when the line could not be read (null then).
        [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
        public string? PaymentId { get; init; } = PaymentId;
    }
}
