using System.Text.Json;
using Pipeline.Cli;
using Pipeline.Tests.Cli;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Cluster;

/// <summary>
/// <c>GET /api/admin/cluster</c> and <c>pipeline cluster nodes</c> on a real cluster: any node lists all three with their
/// heartbeat and what they work on, and a node that stops beating (SIGKILL) is shown as gone after
/// <c>Pipeline:Node:GoneAfter</c>.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterViewTests(ClusterFixture cluster, ITestOutputHelper output) : IAsyncLifetime
{
    public Task InitializeAsync() => cluster.EnsureAllUpAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>
    /// How long a view may take to show what the test waits for. Only a bound on a hang: a node joins before it listens
    /// and reports its address with its first beat after the start, and a beat a busy machine delays is shown as such.
    /// </summary>
    private static readonly TimeSpan ViewTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The API writes timestamps to the millisecond, the database keeps microseconds.</summary>
    private static readonly TimeSpan TimestampPrecision = TimeSpan.FromMilliseconds(1);

    [Fact]
    public async Task Every_node_lists_the_three_nodes_up_with_their_pipelines()
    {
        // Each node's answer is read from the one table: wait until every node's answer shows all three up with their
        // addresses, then check that answer in full.
        var views = new Dictionary<string, JsonElement>[ClusterFixture.Size];
        DateTimeOffset from = default, to = default;
        var complete = await Poll.UntilAsync(async () =>
        {
            from = await cluster.DatabaseNowAsync();
            for (var asked = 0; asked < ClusterFixture.Size; asked++)
            {
                views[asked] = await NodesAsync(asked);
            }
            to = await cluster.DatabaseNowAsync();
            return views.All(v => v.Values.Count(n => n.GetProperty("status").GetString() == "up"
                && n.GetProperty("address").ValueKind == JsonValueKind.String) >= ClusterFixture.Size);
        }, ViewTimeout, TimeSpan.FromMilliseconds(100));
        for (var asked = 0; asked < ClusterFixture.Size; asked++)
        {
            for (var i = 0; i < ClusterFixture.Size; i++)
            {
                var node = views[asked][ClusterFixture.NodeName(i)];
                Assert.True(complete, $"{ClusterFixture.NodeName(asked)} shows {ClusterFixture.NodeName(i)} as {node}");
                Assert.Equal("up", node.GetProperty("status").GetString());
                Assert.Equal(["tickets", "webhooks", "whatsapp"],
                    node.GetProperty("pipelines").EnumerateArray().Select(p => p.GetString()!).Order());
                Assert.Equal(["tickets", "webhooks", "whatsapp"],
                    node.GetProperty("inFlight").EnumerateObject().Select(p => p.Name).Order());
                // Up means a beat within GoneAfter of the database's clock when asked, which lies between the two readings.
                var beat = node.GetProperty("lastHeartbeat").GetDateTimeOffset();
                Assert.InRange(beat, from - ClusterFixture.GoneAfter - TimestampPrecision, to);
                Assert.Equal(cluster.Node(i).Url, node.GetProperty("address").GetString());
            }
        }
    }

    [Fact]
    public async Task The_cli_shows_each_node_up()
    {
        // As in the API's view, every node is up once it has beaten since its start: run the tool until it shows that.
        CliRun run = null!;
        var allUp = await Poll.UntilAsync(async () =>
        {
            run = await CliRun.RunAsync("cluster", "nodes", "--url", cluster.Node(2).Url, "--api-key", ClusterFixture.AdminKey);
            return run.ExitCode == ExitCodes.Ok && Enumerable.Range(0, ClusterFixture.Size).All(i => run.Output.Split('\n').Any(l =>
                l.Contains(ClusterFixture.NodeName(i) + " ", StringComparison.Ordinal) && l.Contains(" up ", StringComparison.Ordinal)));
        }, ViewTimeout, TimeSpan.FromMilliseconds(100));

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.True(allUp, run.ToString());
        for (var i = 0; i < ClusterFixture.Size; i++)
        {
            var line = Assert.Single(run.Output.Split('\n'), l => l.Contains(ClusterFixture.NodeName(i) + " ", StringComparison.Ordinal));
            Assert.Contains(" up ", line, StringComparison.Ordinal);
            Assert.Contains("whatsapp", line, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Judged against the stored heartbeat, by the database's clock that judges it: every answer shows the node up while
    /// its last beat is at most GoneAfter old and gone once it is older, so "gone" comes exactly GoneAfter after the last
    /// beat (to within one poll), however long the machine took to kill it or to answer.
    /// </summary>
    [Fact]
    public async Task A_killed_node_is_shown_as_gone_after_GoneAfter_and_the_others_stay_up()
    {
        const int victim = 2; // node-3
        var name = ClusterFixture.NodeName(victim);
        Assert.True(await Poll.UntilAsync(async () => (await NodesAsync(0))[name].GetProperty("status").GetString() == "up", ViewTimeout),
            $"{name} is up before the kill");
        var lastBeat = (await NodesAsync(0))[name].GetProperty("lastHeartbeat").GetDateTimeOffset();
        var killedAt = await cluster.DatabaseNowAsync();
        await cluster.KillAsync(victim);

        // Each answer is bracketed by two readings of the database's clock; the status query's now() lies between them.
        var observations = new List<(DateTimeOffset From, DateTimeOffset To, string Status, DateTimeOffset Beat)>();
        var gone = await Poll.UntilAsync(async () =>
        {
            var from = await cluster.DatabaseNowAsync();
            var nodes = await NodesAsync(0);
            var to = await cluster.DatabaseNowAsync();
            for (var other = 0; other < ClusterFixture.Size; other++)
            {
                if (other != victim)
                {
                    Assert.Equal("up", nodes[ClusterFixture.NodeName(other)].GetProperty("status").GetString());
                }
            }
            var view = nodes[name];
            var status = view.GetProperty("status").GetString()!;
            observations.Add((from, to, status, view.GetProperty("lastHeartbeat").GetDateTimeOffset()));
            return status == "gone";
        }, ViewTimeout, TimeSpan.FromMilliseconds(100));

        Assert.True(gone, $"{name} still shown up {ViewTimeout.TotalSeconds} s after the kill");
        foreach (var (from, to, status, beat) in observations)
        {
            Assert.True(beat >= lastBeat, "the last heartbeat never goes back");
            if (status == "up")
            {
                Assert.True(from - beat <= ClusterFixture.GoneAfter + TimestampPrecision,
                    $"shown up with a heartbeat at least {(from - beat).TotalSeconds:0.000} s old (GoneAfter {ClusterFixture.GoneAfter.TotalSeconds} s)");
            }
            else
            {
                Assert.True(to - beat > ClusterFixture.GoneAfter,
                    $"shown gone with a heartbeat at most {(to - beat).TotalSeconds:0.000} s old (GoneAfter {ClusterFixture.GoneAfter.TotalSeconds} s)");
            }
        }
        var view = (await NodesAsync(1))[name];
        Assert.Equal("gone", view.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("stoppedAt").ValueKind); // it never said goodbye
        Assert.True(view.GetProperty("lastHeartbeat").GetDateTimeOffset() >= lastBeat);

        var run = await CliRun.RunAsync("cluster", "nodes", "--url", cluster.Node(0).Url, "--api-key", ClusterFixture.AdminKey);
        Assert.Contains(" gone ", Assert.Single(run.Output.Split('\n'), l => l.Contains(name + " ", StringComparison.Ordinal)), StringComparison.Ordinal);
        var last = observations[^1];
        output.WriteLine($"{name} killed {(killedAt - last.Beat).TotalSeconds:0.00} s after its last heartbeat (by the database's clock);"
            + $" shown up in {observations.Count - 1} answers, then gone {(last.From - last.Beat).TotalSeconds:0.00}..{(last.To - last.Beat).TotalSeconds:0.00} s after that beat"
            + $" (HeartbeatInterval {ClusterFixture.HeartbeatInterval.TotalSeconds} s, GoneAfter {ClusterFixture.GoneAfter.TotalSeconds} s)");
    }

    private async Task<Dictionary<string, JsonElement>> NodesAsync(int asked)
    {
        var response = await cluster.Client(asked).GetAsync("/api/admin/cluster");
        response.EnsureSuccessStatusCode();
        return (await response.JsonAsync()).GetProperty("nodes").EnumerateArray()
            .ToDictionary(n => n.GetProperty("name").GetString()!, n => n);
    }
}
