using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pipeline.Tests.Fakes;

/// <summary>
/// A webhook consumer on 127.0.0.1 with any number of endpoints (<c>/hooks/{name}</c>). It records every request as it
/// arrives, verifies its Standard Webhooks signature on its own (not with the service's signer) once told the
/// endpoint's secret, and answers as told per endpoint: at once, slowly, with a status, a few scripted failures
/// first, or never (it hangs until the caller gives up).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    /// <summary>Standard Webhooks' verification tolerance (the C# library's TOLERANCE_IN_SECONDS).</summary>
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, byte[]> _keys = new();
    private readonly ConcurrentDictionary<string, Behavior> _behaviors = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _scripted = new();
    private readonly CancellationTokenSource _stopping = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Every request, in arrival order.</summary>
    public ConcurrentQueue<Receipt> Receipts { get; } = new();

    /// <summary>Requests that have arrived and are not finished (answered, or dropped because their caller went away).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    private int _inFlight;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hooks/{name}", receiver.ReceiveAsync);
        await app.StartAsync();
        receiver.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return receiver;
    }

    public string UrlFor(string name) => $"{BaseUrl}/hooks/{name}";

    /// <summary>The endpoint's secret as the service issued it (<c>whsec_...</c>); its requests are verified from now on.</summary>
    public void SetSecret(string name, string secret) =>
        _keys[name] = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret[6..] : secret);

    /// <summary>Answers every request to <paramref name="name"/> with <paramref name="status"/> (200 by default).</summary>
    public void AnswerWith(string name, int status) => _behaviors[name] = Get(name) with { Status = status, Hang = false };

    /// <summary>Never answers <paramref name="name"/>: requests hang until the caller gives up.</summary>
    public void Hang(string name) => _behaviors[name] = Get(name) with { Hang = true };

    /// <summary>Answers <paramref name="name"/> after <paramref name="latency"/>.</summary>
    public void Slow(string name, TimeSpan latency) => _behaviors[name] = Get(name) with { Latency = latency };

    /// <summary>The next <paramref name="times"/> requests to <paramref name="name"/> fail with <paramref name="status"/>, then the usual answer.</summary>
    public void FailNext(string name, int times, int status)
    {
        var queue = _scripted.GetOrAdd(name, _ => new ConcurrentQueue<int>());
        for (var i = 0; i < times; i++)
        {
            queue.Enqueue(status);
        }
    }

    public IReadOnlyList<Receipt> For(string name) => Receipts.Where(r => r.Endpoint == name).ToList();

    private Behavior Get(string name) => _behaviors.GetValueOrDefault(name, Behavior.Default);

    private async Task ReceiveAsync(string name, HttpContext context)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            await HandleAsync(name, context);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task HandleAsync(string name, HttpContext context)
    {
        var arrived = Stopwatch.GetTimestamp();
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var headers = context.Request.Headers;
        var receipt = new Receipt(name, headers["webhook-id"].ToString(), headers["webhook-timestamp"].ToString(),
            headers["webhook-signature"].ToString(), Encoding.UTF8.GetString(body), headers.ContentType.ToString(),
            Verify(name, headers["webhook-id"].ToString(), headers["webhook-timestamp"].ToString(), headers["webhook-signature"].ToString(), body),
            arrived);
        Receipts.Enqueue(receipt);

        var behavior = Get(name);
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            if (behavior.Hang)
            {
                await Task.Delay(Timeout.Infinite, aborted.Token);
            }
            if (behavior.Latency > TimeSpan.Zero)
            {
                await Task.Delay(behavior.Latency, aborted.Token);
            }
        }
        catch (OperationCanceledException)
        {
            context.Abort();
            return;
        }
        var status = _scripted.TryGetValue(name, out var queue) && queue.TryDequeue(out var failure) ? failure : behavior.Status;
        context.Response.StatusCode = status;
        receipt.AnsweredStatus = status;
    }

    /// <summary>Standard Webhooks verification: any <c>v1,</c> signature of the list matches, in constant time, and the timestamp is fresh.</summary>
    private bool? Verify(string name, string id, string timestamp, string signatures, byte[] body)
    {
        if (!_keys.TryGetValue(name, out var key))
        {
            return null;
        }
        if (!long.TryParse(timestamp, out var seconds)
            || (DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > Tolerance)
        {
            return false;
        }
        var content = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(body).ToArray();
        var expected = HMACSHA256.HashData(key, content);
        foreach (var signature in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = signature.Split(',', 2);
            if (parts is ["v1", var encoded])
            {
                try
                {
                    if (CryptographicOperations.FixedTimeEquals(Convert.FromBase64String(encoded), expected))
                    {
                        return true;
                    }
                }
                catch (FormatException)
                {
                }
            }
        }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private sealed record Behavior(int Status, bool Hang, TimeSpan Latency)
    {
        public static Behavior Default { get; } = new(200, false, TimeSpan.Zero);
    }
}

/// <summary>One request as it arrived.</summary>
/// <param name="SignatureValid">Null while the receiver does not know the endpoint's secret.</param>
/// <param name="ArrivedAt">Stopwatch timestamp of arrival, for latency measurements.</param>
public sealed record Receipt(
    string Endpoint, string WebhookId, string Timestamp, string Signature, string Body, string ContentType, bool? SignatureValid, long ArrivedAt)
{
    /// <summary>The status the receiver answered with; null while it has not answered (or never did: it hung or the caller went away).</summary>
    public int? AnsweredStatus { get; set; }
}
