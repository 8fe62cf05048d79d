using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Streams.Pipelines.Webhooks;
using Pipeline.Tests.Fakes;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Streams.Pipelines;

public sealed class SqliteWebhookIsolationTests(ITestOutputHelper output) : WebhookIsolationContract(new SqliteTestDatabase(), output);

public sealed class PostgresWebhookIsolationTests(ITestOutputHelper output) : WebhookIsolationContract(new PostgresTestDatabase(), output);

/// <summary>
/// "One failing endpoint never slows deliveries to the others": a hanging endpoint beside a healthy one. The hanging
/// endpoint's attempts end only at a 5-minute timeout, so a healthy delivery that ever waited behind one (for a slot,
/// a claim or a connection) could not arrive before that. The proof is that every healthy delivery arrives while all
/// hanging attempts are still open, which holds however slow the machine is; how fast they arrive is only reported.
/// </summary>
public abstract class WebhookIsolationContract(TestDatabase database, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Depleted = "batch.depleted";

    /// <summary>The contract's longest attempt timeout: far beyond anything the test waits for.</summary>
    private const string HangingAttemptTimeout = "00:05:00";

    /// <summary>Bounds the wait for the healthy deliveries: a hang, not a speed limit (it is well below the attempt timeout).</summary>
    private static readonly TimeSpan ArrivalBound = TimeSpan.FromSeconds(90);

    private const int Lane = 4;

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
    /// One endpoint never answers, the other answers at once; 50 state changes in a row, each subscribed by both. All
    /// 50 reach the healthy endpoint while none of the hanging endpoint's attempts has ended (none of its deliveries has
    /// an attempt recorded), and the hanging one holds exactly its lane: 4 requests, 4 leases, nothing more claimed.
    /// </summary>
    [Fact]
    public async Task A_hanging_endpoint_never_delays_a_healthy_one_all_50_messages_arrive_while_every_hanging_attempt_is_still_open()
    {
        const int messages = 50;
        await using var app = WebhookTestKit.App(database, new Dictionary<string, string?>
        {
            ["Pipeline:Webhooks:AttemptTimeout"] = HangingAttemptTimeout,
            ["Pipeline:Webhooks:MaxInFlightPerEndpoint"] = $"{Lane}",
            // The hanging attempts are cut when the host stops instead of waited for: they prove nothing more then.
            ["Pipeline:Pipelines:DrainTimeout"] = "00:00:01",
        });
        using var admin = app.CreateAdminClient();
        var hanging = await WebhookTestKit.CreateEndpointAsync(admin, _receiver, "hanging", Depleted);
        await WebhookTestKit.CreateEndpointAsync(admin, _receiver, "healthy", Depleted);
        _receiver.Hang("hanging");

        var created = new Dictionary<string, long>();
        for (var i = 0; i < messages; i++)
        {
            var (batchId, startedAt) = await WebhookTestKit.DepleteBatchAsync(admin);
            created[batchId] = startedAt;
        }

        Assert.True(await Eventually.HoldsAsync(() => _receiver.For("healthy").Count >= messages, ArrivalBound),
            $"the healthy endpoint got {_receiver.For("healthy").Count} of {messages} while the hanging one held its lane");
        // Read at once, while the hanging attempts are minutes from their timeout: not one of them has ended.
        var hangingDeliveries = await app.Storage.Webhooks.ListDeliveriesAsync(hanging, null, long.MaxValue, 200);
        Assert.Equal(messages, hangingDeliveries.Count);
        Assert.All(hangingDeliveries, d => Assert.Equal(0, d.Attempts));
        Assert.Equal(messages, _receiver.For("healthy").Select(r => r.WebhookId).Distinct().Count());

        // Its lane is full and stays full until an attempt times out, so exactly its size was ever claimed and sent.
        Assert.True(await Eventually.HoldsAsync(() => _receiver.For("hanging").Count >= Lane, ArrivalBound),
            $"requests to the hanging endpoint: {_receiver.For("hanging").Count}");
        var lanes = app.Services.GetRequiredService<WebhookPipeline>().Lanes!;
        Assert.Equal(Lane, lanes.InFlightOf(hanging));
        hangingDeliveries = await app.Storage.Webhooks.ListDeliveriesAsync(hanging, null, long.MaxValue, 200);
        Assert.Equal(Lane, hangingDeliveries.Count(d => d.Leased));
        Assert.All(hangingDeliveries, d => Assert.Equal(0, d.Attempts));
        Assert.Equal(Lane, _receiver.For("hanging").Count);
        Assert.All(_receiver.For("hanging"), r => Assert.Null(r.AnsweredStatus));

        var latencies = _receiver.For("healthy")
            .Select(r => Stopwatch.GetElapsedTime(created[WebhookTestKit.BatchIdOf(r)], r.ArrivedAt))
            .Order()
            .ToList();
        output.WriteLine($"{database.Provider}: healthy endpoint latency from the creating request (reported, not asserted): " +
            $"p50 {latencies[messages / 2].TotalMilliseconds:F0} ms, p95 {latencies[messages * 95 / 100].TotalMilliseconds:F0} ms, " +
            $"max {latencies[^1].TotalMilliseconds:F0} ms");
    }
}
