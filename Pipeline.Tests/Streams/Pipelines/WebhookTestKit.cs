using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Actors.Work;
using Pipeline.Tests.Cluster;
using Pipeline.Tests.Fakes;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Pipelines;

/// <summary>What the webhook pipeline tests share: a host that may call the local receiver, endpoints on it, and state changes that emit a message.</summary>
public static class WebhookTestKit
{
    /// <summary>The host on <paramref name="database"/>, started, with private networks allowed (the receiver is on 127.0.0.1).</summary>
    /// <param name="services">Replaces host services, e.g. the clock.</param>
    public static PipelineApp App(TestDatabase database, IReadOnlyDictionary<string, string?>? extra = null, Action<IServiceCollection>? services = null)
    {
        var settings = new Dictionary<string, string?> { ["Pipeline:Webhooks:AllowPrivateNetworks"] = "true" };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        var app = new PipelineApp(database, settings) { TestServices = services };
        _ = app.Server;
        return app;
    }

    /// <summary><c>Pipeline:Webhooks:RetryDelays</c> as configuration keys.</summary>
    public static Dictionary<string, string?> RetryDelays(params string[] delays) =>
        delays.Select((d, i) => (Key: $"Pipeline:Webhooks:RetryDelays:{i}", Value: (string?)d)).ToDictionary(p => p.Key, p => p.Value);

    /// <summary>Creates an endpoint at the receiver's <paramref name="name"/> and tells the receiver its secret; returns its id.</summary>
    public static async Task<string> CreateEndpointAsync(HttpClient admin, WebhookReceiver receiver, string name, params string[] events)
    {
        var response = await admin.PostJsonAsync("/api/webhook-endpoints", new { url = receiver.UrlFor(name), events });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var endpoint = await response.JsonAsync();
        receiver.SetSecret(name, endpoint.GetProperty("secret").GetString()!);
        return endpoint.GetProperty("id").GetString()!;
    }

    /// <summary>
    /// Creates a batch of one and consumes it: the consume's transaction writes <c>batch.depleted</c>. Returns the batch
    /// id and the stopwatch time just before the request that wrote the message.
    /// </summary>
    public static async Task<(string BatchId, long StartedAt)> DepleteBatchAsync(HttpClient admin)
    {
        var created = await admin.PostJsonAsync("/api/batches", new { sku = "webhook-sku", quantity = 1 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var batchId = (await created.JsonAsync()).GetProperty("id").GetString()!;
        var startedAt = Stopwatch.GetTimestamp();
        var consumed = await admin.PostJsonAsync($"/api/batches/{batchId}/consume", new { quantity = 1 });
        Assert.Equal(HttpStatusCode.OK, consumed.StatusCode);
        return (batchId, startedAt);
    }

    /// <summary>
    /// Waits until no more webhook request can come from these hosts: on each, the webhooks pipeline has nothing
    /// ready, scheduled or leased in its queues and no attempt in flight, and the receiver has no request in flight.
    /// Call it before judging what arrived, instead of sleeping "long enough for a duplicate". False after <paramref name="timeout"/>.
    /// </summary>
    public static Task<bool> WaitUntilDrainedAsync(IEnumerable<HttpClient> admins, WebhookReceiver receiver, TimeSpan timeout)
    {
        var hosts = admins.ToList();
        return Poll.UntilAsync(async () =>
        {
            foreach (var admin in hosts)
            {
                var webhooks = await (await admin.GetAsync("/api/admin/pipelines/webhooks")).JsonAsync();
                var queue = webhooks.GetProperty("queue");
                if (queue.GetProperty("ready").GetInt64() + queue.GetProperty("scheduled").GetInt64() + queue.GetProperty("leased").GetInt64() > 0
                    || webhooks.GetProperty("inFlight").GetInt64() > 0)
                {
                    return false;
                }
            }
            return receiver.InFlight == 0;
        }, timeout, TimeSpan.FromMilliseconds(50));
    }

    /// <summary>
    /// Waits until the webhooks pipeline has nothing left to do now: no message waiting for its fan-out and no delivery
    /// due or in flight (each attempt holds its lease until it is settled, and a fan-out adds its deliveries in the
    /// transaction that completes it). From then on no request reaches an endpoint unless a scheduled retry comes due,
    /// so "nothing more arrives" can be read off the receiver at once instead of after a sleep.
    /// </summary>
    public static async Task IdleAsync(PipelineApp app)
    {
        var work = app.Storage.Work;
        QueueDepth? fanOut = null, deliveries = null;
        Assert.True(await Eventually.HoldsAsync(async () =>
        {
            fanOut = await work.DepthAsync(OutboxRoutes.Webhooks);
            deliveries = await work.DepthAsync(OutboxRoutes.Deliveries);
            return fanOut is { Ready: 0, Leased: 0 } && deliveries is { Ready: 0, Leased: 0 };
        }, TimeSpan.FromSeconds(30)), $"the webhooks pipeline never went idle: fan-out {fanOut}, deliveries {deliveries}");
    }

    /// <summary>The batch a <c>batch.depleted</c> delivery is about.</summary>
    public static string BatchIdOf(Receipt receipt)
    {
        using var body = JsonDocument.Parse(receipt.Body);
        return body.RootElement.GetProperty("data").GetProperty("id").GetString()!;
    }
}
