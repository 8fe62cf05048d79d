using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pipeline.Tests.Fakes;

/// <summary>
/// A local stand-in for the WhatsApp Cloud API on 127.0.0.1 that checks requests the way Graph does (Bearer token,
/// multipart media upload, document message shape) and answers with Graph's success and error envelopes.
/// Tests script failures with <see cref="FailNext"/> and <see cref="Down"/>, and park calls with <see cref="Hold"/>:
/// before they are accepted (a send under way that has reached WhatsApp but changed nothing yet), or after a message
/// is accepted and before its answer goes out (WhatsApp has the message, the sender does not know: if the sender dies
/// now, its ticket is sent again, which <see cref="Unanswered"/> lets a crash test see and assert).
/// </summary>
public sealed class FakeGraphApi : IAsyncDisposable
{
    public const string PhoneNumberId = "1234567890";

    /// <summary>A second number of the same account, which tests give one sender to tell its messages apart.</summary>
    public const string SecondPhoneNumberId = "1234567891";
    public const string AccessToken = "EAAG-test-token";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(int Status, int Code)> _scripted = new();
    private readonly ConcurrentDictionary<string, byte[]> _media = new();
    private readonly ConcurrentDictionary<string, AcceptedMessage> _unanswered = new();

    /// <summary>Guards <see cref="_holdPoint"/> and <see cref="_released"/>, so a call parks on the hold it saw.</summary>
    private readonly Lock _holdLock = new();

    private HoldPoint _holdPoint;
    private TaskCompletionSource _released = Released();
    private int _sequence;
    private int _holding;

    private FakeGraphApi(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Accepted messages, in order.</summary>
    public ConcurrentQueue<AcceptedMessage> Messages { get; } = new();

    /// <summary>Every request that reached the fake (uploads and messages), for attempt counting.</summary>
    public int Requests => Volatile.Read(ref _requests);

    private int _requests;

    /// <summary>While true every call answers 503 with Graph code 2 (service temporarily unavailable).</summary>
    public bool Down { get; set; }

    /// <summary>Extra latency of each call, before it is accepted (a caller that goes away meanwhile changed nothing).</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Calls (uploads and messages) being handled right now, parked ones included.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    private int _inFlight;

    /// <summary>Calls parked at the <see cref="Hold"/> right now.</summary>
    public int Holding => Volatile.Read(ref _holding);

    /// <summary>
    /// Messages accepted (in <see cref="Messages"/>) whose answer has not gone out: still held, or held until their
    /// caller went away. A sender that died holding these never learned that WhatsApp has them.
    /// </summary>
    public IReadOnlyCollection<AcceptedMessage> Unanswered => _unanswered.Values.ToList();

    /// <summary>
    /// From now on every call parks at <paramref name="point"/> until <see cref="Release"/> or until its caller goes
    /// away (a killed or timed-out sender): <see cref="HoldPoint.BeforeAccepting"/> parks uploads and messages before
    /// they change anything; <see cref="HoldPoint.AfterAccepting"/> records each message first, then parks its answer.
    /// </summary>
    public void Hold(HoldPoint point)
    {
        lock (_holdLock)
        {
            _holdPoint = point;
            if (_released.Task.IsCompleted)
            {
                _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Lets every parked call go on, and stops holding new ones.</summary>
    public void Release()
    {
        TaskCompletionSource released;
        lock (_holdLock)
        {
            _holdPoint = HoldPoint.None;
            released = _released;
        }
        released.TrySetResult();
    }

    public static async Task<FakeGraphApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeGraphApi(app);
        app.MapPost("/{phoneId}/media", (string phoneId, HttpRequest request) => fake.CountedAsync(phoneId, request, fake.UploadAsync));
        app.MapPost("/{phoneId}/messages", (string phoneId, HttpRequest request) => fake.CountedAsync(phoneId, request, fake.MessageAsync));
        await app.StartAsync();
        fake.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return fake;
    }

    /// <summary>The next calls (uploads or messages) fail with this HTTP status and Graph error code, in order.</summary>
    public void FailNext(int times, int status, int code)
    {
        for (var i = 0; i < times; i++)
        {
            _scripted.Enqueue((status, code));
        }
    }

    public int MessagesTo(string digits) => Messages.Count(m => m.To == digits);

    private async Task<IResult> CountedAsync(string phoneId, HttpRequest request, Func<string, HttpRequest, Task<IResult>> handle)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            return await handle(phoneId, request);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task<IResult> UploadAsync(string phoneId, HttpRequest request)
    {
        if (await RefuseAsync(phoneId, request) is { } refusal) return refusal;
        if (!request.HasFormContentType) return GraphError(400, 100, "(#100) The parameter messaging_product is required.");
        var form = await request.ReadFormAsync();
        var file = form.Files["file"];
        if (form["messaging_product"] != "whatsapp" || file is null || file.ContentType != "application/pdf")
        {
            return GraphError(400, 100, "(#100) Invalid parameter");
        }
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer);
        var bytes = buffer.ToArray();
        if (bytes.Length < 5 || bytes[0] != '%' || bytes[1] != 'P')
        {
            return GraphError(400, 131053, "Media upload error");
        }
        var id = "media-" + Interlocked.Increment(ref _sequence);
        _media[id] = bytes;
        return Results.Ok(new { id });
    }

    private async Task<IResult> MessageAsync(string phoneId, HttpRequest request)
    {
        if (await RefuseAsync(phoneId, request) is { } refusal) return refusal;
        using var json = await JsonDocument.ParseAsync(request.Body);
        var root = json.RootElement;
        if (Text(root, "messaging_product") != "whatsapp" || Text(root, "recipient_type") != "individual" || Text(root, "type") != "document"
            || Text(root, "to") is not { } to || to.StartsWith('+') || !root.TryGetProperty("document", out var document)
            || Text(document, "id") is not { } mediaId || !_media.ContainsKey(mediaId) || Text(document, "filename") is not { } filename)
        {
            return GraphError(400, 100, "(#100) Invalid parameter");
        }
        var wamid = "wamid.fake" + Interlocked.Increment(ref _sequence);
        var accepted = new AcceptedMessage(wamid, to, mediaId, filename, Text(document, "caption"), _media[mediaId], System.Diagnostics.Stopwatch.GetTimestamp(), phoneId);
        // Recorded as unanswered first, so a test never sees it in Messages without knowing its answer is still out.
        _unanswered[wamid] = accepted;
        Messages.Enqueue(accepted);
        // WhatsApp has the message now, whatever happens to the caller: a held answer stays unanswered if the caller dies.
        await ParkAsync(HoldPoint.AfterAccepting, request.HttpContext.RequestAborted);
        _unanswered.TryRemove(wamid, out _);
        return Results.Ok(new
        {
            messaging_product = "whatsapp",
            contacts = new[] { new { input = to, wa_id = to } },
            messages = new[] { new { id = wamid } },
        });
    }

    private async Task<IResult?> RefuseAsync(string phoneId, HttpRequest request)
    {
        Interlocked.Increment(ref _requests);
        // A request whose caller is gone (a killed host) is dropped like a connection Graph never finished reading.
        await ParkAsync(HoldPoint.BeforeAccepting, request.HttpContext.RequestAborted);
        if (Latency > TimeSpan.Zero) await Task.Delay(Latency, request.HttpContext.RequestAborted);
        if (request.Headers.Authorization != $"Bearer {AccessToken}") return GraphError(401, 190, "Invalid OAuth access token.");
        if (phoneId is not (PhoneNumberId or SecondPhoneNumberId)) return GraphError(400, 100, "Unsupported post request.");
        if (Down) return GraphError(503, 2, "Service temporarily unavailable");
        return _scripted.TryDequeue(out var failure) ? GraphError(failure.Status, failure.Code, "Scripted failure") : null;
    }

    /// <summary>Waits for <see cref="Release"/> when calls are held at <paramref name="point"/>; throws when the caller goes away.</summary>
    private async Task ParkAsync(HoldPoint point, CancellationToken callerGone)
    {
        Task released;
        lock (_holdLock)
        {
            if (_holdPoint != point)
            {
                return;
            }
            released = _released.Task;
        }
        Interlocked.Increment(ref _holding);
        try
        {
            await released.WaitAsync(callerGone);
        }
        finally
        {
            Interlocked.Decrement(ref _holding);
        }
    }

    private static TaskCompletionSource Released()
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        released.SetResult();
        return released;
    }

    private static IResult GraphError(int status, int code, string message) => Results.Json(
        new { error = new { message, type = "OAuthException", code, error_data = new { messaging_product = "whatsapp", details = message }, fbtrace_id = "Atrace" } },
        statusCode: status);

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public async ValueTask DisposeAsync()
    {
        Release(); // parked calls would hold up the server's stop
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Where <see cref="FakeGraphApi.Hold"/> parks calls.</summary>
public enum HoldPoint
{
    None,

    /// <summary>Uploads and messages wait before they are checked or recorded.</summary>
    BeforeAccepting,

    /// <summary>Messages are recorded as accepted, then their answers wait.</summary>
    AfterAccepting,
}

/// <param name="AcceptedAt">Stopwatch timestamp of acceptance, for latency measurements.</param>
/// <param name="PhoneNumberId">The business number it was sent from (the path's phone number id).</param>
public sealed record AcceptedMessage(
    string MessageId, string To, string MediaId, string Filename, string? Caption, byte[] Document, long AcceptedAt, string PhoneNumberId);
