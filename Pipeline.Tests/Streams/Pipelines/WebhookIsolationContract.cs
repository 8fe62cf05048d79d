using System.Diagnostics;
using Pipeline.Tests.Fakes;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Streams.Pipelines;

[Collection(TimingCollection.Name)]
public sealed class SqliteWebhookIsolationTests(ITestOutputHelper output) : WebhookIsolationContract(new SqliteTestDatabase(), output);

[Collection(TimingCollection.Name)]
public sealed class PostgresWebhookIsolationTests(ITestOutputHelper output) : WebhookIsolationContract(new PostgresTestDatabase(), output);

/// <summary>
/// "One failing endpoint never slows deliveries to the others", measured in real time (so alone, after the parallel
/// tests): a hanging endpoint beside a healthy one.
/// </summary>
public abstract class WebhookIsolationContract(TestDatabase database, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Depleted = "batch.depleted";
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        await database.InitializeAsync();
        _receiver = await WebhookReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await database.DisposeAsync();
    }

    /// <summary>
    /// The isolation claim, measured: one endpoint never answers (each attempt ends at the attempt timeout), the other
    /// answers at once; 50 state changes in a row, each subscribed by both. Every message reaches the healthy endpoint
    /// within a second of the request that created it, and the hanging one never holds more than its lane.
    /// </summary>
    [Fact]
    public async Task A_hanging_endpoint_never_delays_a_healthy_one_each_of_50_messages_arrives_within_a_second()
    {
        const int messages = 50;
        await using var app = WebhookTestKit.App(database);
        using var admin = app.CreateAdminClient();
        await WebhookTestKit.CreateEndpointAsync(admin, _receiver, "hanging", Depleted);
        await WebhookTestKit.CreateEndpointAsync(admin, _receiver, "healthy", Depleted);
        _receiver.Hang("hanging");

        var created = new Dictionary<string, long>();
        for (var i = 0; i < messages; i++)
        {
            var (batchId, startedAt) = await WebhookTestKit.DepleteBatchAsync(admin);
            created[batchId] = startedAt;
        }

        Assert.True(await Eventually.HoldsAsync(() => _receiver.For("healthy").Count >= messages, TimeSpan.FromSeconds(30)),
            $"the healthy endpoint got {_receiver.For("healthy").Count} of {messages}");
        var latencies = _receiver.For("healthy")
            .Select(r => Stopwatch.GetElapsedTime(created[WebhookTestKit.BatchIdOf(r)], r.ArrivedAt))
            .Order()
            .ToList();
        output.WriteLine($"{database.Provider}: healthy endpoint latency from the creating request: p50 {latencies[messages / 2].TotalMilliseconds:F0} ms, " +
            $"p95 {latencies[messages * 95 / 100].TotalMilliseconds:F0} ms, max {latencies[^1].TotalMilliseconds:F0} ms; " +
            $"requests to the hanging endpoint meanwhile: {_receiver.For("hanging").Count}");
        Assert.Equal(messages, _receiver.For("healthy").Select(r => r.WebhookId).Distinct().Count());
        Assert.True(latencies[^1] < TimeSpan.FromSeconds(1), $"slowest healthy delivery took {latencies[^1].TotalMilliseconds:F0} ms");
        Assert.InRange(_receiver.For("hanging").Count, 1, 4); // its lane: MaxInFlightPerEndpoint, default 4
    }
}
