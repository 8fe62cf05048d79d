using System.Diagnostics;
using System.Net;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Cluster;

/// <summary>
/// node-3 frozen (SIGSTOP) under load for longer than the split brain resolver's stable-after: the two others down it
/// and serve its entities. A consume sent to node-3 while it is frozen waits in its socket, and the same batch is
/// consumed through node-1 meanwhile. Woken (SIGCONT), node-3 learns that it was removed, applies nothing for the
/// entity it no longer owns (the batch ends with exactly the acknowledged consumes), stops by itself, and started
/// again it joins the cluster.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FrozenNodeTests(ClusterFixture cluster, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Victim = 2; // node-3
    private const long Quantity = 100;

    private static readonly string VictimName = ClusterFixture.NodeName(Victim);

    /// <summary>Bounds a hang only: detection, stable-after (7 s) and the lease take well under this.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly ClusterClient _client = new(cluster);

    public Task InitializeAsync() => cluster.EnsureAllUpAsync();

    public Task DisposeAsync() => cluster.EnsureAllUpAsync();

    [Fact]
    public async Task A_node_frozen_past_stable_after_is_downed_and_on_waking_applies_nothing_stops_and_joins_again_when_restarted()
    {
        var nodes = new ClusterNodes(cluster, _client);
        var batch = await nodes.BatchOnAsync(Victim, Quantity);
        Assert.Equal(Quantity - 1, await ConsumeAsync(2, batch, 1, "frozen-first")); // node-3 holds the batch in memory now
        await using var load = SurvivorLoad.Start(_client, await _client.CreateBatchAsync(0, 1_000_000));
        using var late = cluster.Node(Victim).CreateClient(ClusterFixture.AdminKey);
        late.Timeout = Timeout;

        await cluster.FreezeAsync(Victim);
        var frozen = Stopwatch.StartNew();
        // Read by node-3's server only once it is woken; by then the batch has moved and been consumed elsewhere.
        var lateConsume = late.SendAsync(ClusterClient.Consume(batch, 5, "frozen-late"));
        Assert.True(await Poll.UntilAsync(async () =>
            (await nodes.OneAsync(0, VictimName)).GetProperty("memberStatus").GetString() is "down" or "removed", Timeout),
            $"{VictimName} frozen but never downed");
        output.WriteLine($"{VictimName} downed {frozen.Elapsed.TotalSeconds:F1} s after it froze");
        Assert.Equal(Quantity - 11, await ConsumeAsync(0, batch, 10, "frozen-moved"));

        var victimLog = cluster.Node(Victim).Output;
        await cluster.WakeAsync(Victim);
        var woken = Stopwatch.StartNew();
        var (lateStatus, lateBody) = await OutcomeAsync(lateConsume);
        var exitCode = await cluster.AwaitExitAsync(Victim, Timeout);
        Assert.True(exitCode is not null, $"{VictimName} still ran {Timeout.TotalSeconds} s after it woke");
        output.WriteLine($"{VictimName} exited with {exitCode} {woken.Elapsed.TotalSeconds:F1} s after waking; its late consume: {lateStatus} {lateBody}");
        foreach (var line in victimLog.Where(l => l.Contains("Quarantined by", StringComparison.Ordinal) || l.Contains("SBR took decision", StringComparison.Ordinal)
                                                  || l.Contains("duplicate key", StringComparison.OrdinalIgnoreCase)))
        {
            output.WriteLine(line.Length > 300 ? line[..300] : line);
        }

        // Nothing of the late consume applied: refused by the journal's key, or never decided at all.
        Assert.True(lateStatus is null or >= 500, $"the late consume on the woken {VictimName}: {lateStatus} {lateBody}");
        Assert.Equal(Quantity - 11, await RemainingAsync(batch));
        Assert.Equal(2, await cluster.ScalarAsync($"SELECT count(*) FROM event_journal WHERE persistence_id = $1 AND {JournalSql.ManifestIs("BatchConsumed")}", "batch/" + batch));
        var answered = await load.StopAsync();
        output.WriteLine($"load: {answered.Acknowledged} consumes acknowledged, {answered.Unavailable} 503 unavailable resent");
        Assert.Equal(1_000_000 - answered.Acknowledged, await RemainingAsync(load.Batch));

        await cluster.EnsureAllUpAsync();
        Assert.True(await Poll.UntilAsync(async () => (await nodes.AllAsync(0)).Count(n => n.GetProperty("memberStatus").GetString() == "up") == ClusterFixture.Size, Timeout),
            $"{VictimName} restarted but the cluster never had three up members");
        Assert.Equal(Quantity - 12, await ConsumeAsync(2, batch, 1, "frozen-again"));
    }

    /// <summary>Consumes through node <paramref name="node"/>, resending a 503 unavailable; the remaining quantity.</summary>
    private async Task<long> ConsumeAsync(int node, string batch, long quantity, string key)
    {
        for (var resent = 0; ; resent++)
        {
            var response = await cluster.Client(node).SendAsync(ClusterClient.Consume(batch, quantity, key));
            if (await ClusterClient.IsUnavailableAsync(response) && resent < 60)
            {
                await Task.Delay(500);
                continue;
            }
            Assert.True(response.IsSuccessStatusCode, $"consume {key}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return (await response.JsonAsync()).GetProperty("remaining").GetInt64();
        }
    }

    private async Task<long> RemainingAsync(string batch)
    {
        var response = await cluster.Client(0).GetAsync($"/api/batches/{batch}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("remaining").GetInt64();
    }

    /// <summary>The status and body of a response, or (null, the error) when the connection failed.</summary>
    private static async Task<(int? Status, string Body)> OutcomeAsync(Task<HttpResponseMessage> request)
    {
        try
        {
            var response = await request;
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
        {
            return (null, error.GetType().Name + ": " + error.Message);
        }
    }

    /// <summary>Consumes of one hot batch through node-1 and node-2 in a loop, each resent until answered.</summary>
    private sealed class SurvivorLoad : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _workers = [];
        private long _acknowledged;
        private long _unavailable;

        private SurvivorLoad(string batch) => Batch = batch;

        public string Batch { get; }

        public static SurvivorLoad Start(ClusterClient client, string batch)
        {
            var load = new SurvivorLoad(batch);
            for (var w = 0; w < 4; w++)
            {
                var worker = w;
                load._workers.Add(Task.Run(() => load.RunAsync(client, worker)));
            }
            return load;
        }

        private async Task RunAsync(ClusterClient client, int worker)
        {
            for (var i = 0; !_stop.IsCancellationRequested; i++)
            {
                var key = $"frozen-load-{Batch}-{worker}-{i}";
                while (true)
                {
                    var (response, _) = await client.SendAsync((worker + i) % 2, () => ClusterClient.Consume(Batch, 1, key));
                    if (await ClusterClient.IsUnavailableAsync(response))
                    {
                        Interlocked.Increment(ref _unavailable);
                        await Task.Delay(100);
                        continue;
                    }
                    response.EnsureSuccessStatusCode();
                    Interlocked.Increment(ref _acknowledged);
                    break;
                }
                await Task.Delay(20);
            }
        }

        public async Task<(long Acknowledged, long Unavailable)> StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_workers);
            return (Interlocked.Read(ref _acknowledged), Interlocked.Read(ref _unavailable));
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await _stop.CancelAsync();
                await Task.WhenAll(_workers).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            _stop.Dispose();
        }
    }
}
