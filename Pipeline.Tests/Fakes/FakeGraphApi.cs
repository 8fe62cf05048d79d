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
/// Tests script failures with <see cref="FailNext"/> and <see cref="Down"/>.
/// </summary>
public sealed class FakeGraphApi : IAsyncDisposable
{
    public const string PhoneNumberId = "1234567890";
    public const string AccessToken = "EAAG-test-token";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(int Status, int Code)> _scripted = new();
    private readonly ConcurrentDictionary<string, byte[]> _media = new();
    private int _sequence;

    private FakeGraphApi(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Accepted messages, in order.</summary>
    public ConcurrentQueue<AcceptedMessage> Messages { get; } = new();

    /// <summary>Every request that reached the fake (uploads and messages), for attempt counting.</summary>
    public int Requests => Volatile.Read(ref _requests);

    private int _requests;

    /// <summary>While true every call answers 503 with Graph code 2 (service temporarily unavailable).</summary>
    public bool Down { get; set; }

    /// <summary>Extra latency of each call.</summary>
    public TimeSpan Latency { get; set; }

    public static async Task<FakeGraphApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeGraphApi(app);
        app.MapPost("/{phoneId}/media", fake.UploadAsync);
        app.MapPost("/{phoneId}/messages", fake.MessageAsync);
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
        Messages.Enqueue(new AcceptedMessage(wamid, to, mediaId, filename, Text(document, "caption"), _media[mediaId], System.Diagnostics.Stopwatch.GetTimestamp()));
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
        if (Latency > TimeSpan.Zero) await Task.Delay(Latency, request.HttpContext.RequestAborted);
        if (request.Headers.Authorization != $"Bearer {AccessToken}") return GraphError(401, 190, "Invalid OAuth access token.");
        if (phoneId != PhoneNumberId) return GraphError(400, 100, "Unsupported post request.");
        if (Down) return GraphError(503, 2, "Service temporarily unavailable");
        return _scripted.TryDequeue(out var failure) ? GraphError(failure.Status, failure.Code, "Scripted failure") : null;
    }

    private static IResult GraphError(int status, int code, string message) => Results.Json(
        new { error = new { message, type = "OAuthException", code, error_data = new { messaging_product = "whatsapp", details = message }, fbtrace_id = "Atrace" } },
        statusCode: status);

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <param name="AcceptedAt">Stopwatch timestamp of acceptance, for latency measurements.</param>
public sealed record AcceptedMessage(string MessageId, string To, string MediaId, string Filename, string? Caption, byte[] Document, long AcceptedAt);
