using System.Text.Json;
using Pipeline.Cli;
using Pipeline.Host.Engine;
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
                Assert.Equal(["jobs", "tickets", "webhooks", "whatsapp"],
                    node.GetProperty("pipelines").EnumerateArray().Select(p => p.GetString()!).Order());
                Assert.Equal(["jobs", "tickets", "webhooks", "whatsapp"],
                    node.GetProperty("inFlight").EnumerateObject().Select(p => p.Name).Order());
                // Up means a beat within GoneAfter of the database's clock when asked, which lies between the two readings.
                var beat = node.GetProperty("lastHeartbeat").GetDateTimeOffset();
                Assert.InRange(beat, from - ClusterFixture.GoneAfter - TimestampPrecision, to);
                Assert.Equal(cluster.Node(i).Url, node.GetProperty("address").GetString());
            }
        }
    }

    /// <summary>
    /// Akka's membership in every node's answer: three members up and reachable, exactly one of them the leader, each
    /// at its own cluster address, and the shards of every entity type counted once: on one node each, at most the
    /// type's shard count in all, the node's totals the sums of its per-type counts, and the batches just created live
    /// somewhere; each of the 30 work partitions on exactly one node, every node with a share. <c>pipeline cluster show</c>
    /// and <c>shards</c> print the same.
    /// </summary>
    [Fact]
    public async Task Every_node_shows_three_up_reachable_members_one_leader_and_each_shard_on_one_node()
    {
        var client = new ClusterClient(cluster);
        for (var i = 0; i < 6; i++)
        {
            await client.CreateBatchAsync(i % ClusterFixture.Size, 5);
        }

        var views = new Dictionary<string, JsonElement>[ClusterFixture.Size];
        var settled = await Poll.UntilAsync(async () =>
        {
            for (var asked = 0; asked < ClusterFixture.Size; asked++)
            {
                views[asked] = await NodesAsync(asked);
            }
            return views.All(v => Members(v).Count(n => n.GetProperty("memberStatus").GetString() == "up"
                && n.GetProperty("reachable").GetBoolean() && n.GetProperty("shards").ValueKind == JsonValueKind.Number) == ClusterFixture.Size
                && Members(v).Sum(n => n.GetProperty("entitiesByType").GetProperty("batch").GetInt32()) >= 6
                && Members(v).Sum(n => n.GetProperty("workPartitions").GetArrayLength()) == EngineOptions.WorkPartitionCount
                && Members(v).All(n => n.GetProperty("workPartitions").GetArrayLength() > 0));
        }, ViewTimeout, TimeSpan.FromMilliseconds(200));

        for (var asked = 0; asked < ClusterFixture.Size; asked++)
        {
            var members = Members(views[asked]).ToList();
            Assert.True(settled, $"{ClusterFixture.NodeName(asked)} shows {string.Join("\n", members)}");
            Assert.Equal(ClusterFixture.Size, members.Count);
            Assert.Single(members, n => n.GetProperty("leader").GetBoolean());
            Assert.Equal(ClusterFixture.Size, members.Select(n => n.GetProperty("clusterAddress").GetString()).Distinct().Count());
            foreach (var node in members)
            {
                Assert.Equal("up", node.GetProperty("status").GetString());
                Assert.False(string.IsNullOrEmpty(node.GetProperty("appVersion").GetString()));
                Assert.Equal(JsonValueKind.Array, node.GetProperty("roles").ValueKind);
                Assert.Equal(SumOf(node, "shardsByType"), node.GetProperty("shards").GetInt32());
                Assert.Equal(SumOf(node, "entitiesByType"), node.GetProperty("entities").GetInt32());
            }
            var types = members[0].GetProperty("shardsByType").EnumerateObject().Select(t => t.Name).ToList();
            Assert.Equal(["batch", "event", "member", "registration", "webhook-endpoint"], types.Order());
            foreach (var type in types)
            {
                var shards = members.Sum(n => n.GetProperty("shardsByType").GetProperty(type).GetInt32());
                var entities = members.Sum(n => n.GetProperty("entitiesByType").GetProperty(type).GetInt32());
                Assert.InRange(shards, entities > 0 ? 1 : 0, 100); // a live entity is in an allocated shard; at most ShardCount shards
            }
            // Each work partition owned by exactly one node, and the three share them (sharding spreads the daemon's shards).
            var partitions = members.SelectMany(n => n.GetProperty("workPartitions").EnumerateArray().Select(p => p.GetInt32())).ToList();
            Assert.Equal(Enumerable.Range(0, EngineOptions.WorkPartitionCount), partitions.Order());
            Assert.All(members, n => Assert.InRange(n.GetProperty("workPartitions").GetArrayLength(), 1, EngineOptions.WorkPartitionCount));
        }

        var show = await CliRun.RunAsync("cluster", "show", "--url", cluster.Node(1).Url, "--api-key", ClusterFixture.AdminKey);
        var table = await CliRun.RunAsync("cluster", "shards", "--url", cluster.Node(1).Url, "--api-key", ClusterFixture.AdminKey);
        output.WriteLine(show.Output);
        output.WriteLine(table.Output);
        Assert.True(show.ExitCode == ExitCodes.Ok, show.ToString());
        Assert.True(table.ExitCode == ExitCodes.Ok, table.ToString());
        for (var i = 0; i < ClusterFixture.Size; i++)
        {
            var name = ClusterFixture.NodeName(i) + " ";
            Assert.Matches(@"\bup\b.*\bup\b.*\byes\b", Assert.Single(show.Output.Split('\n'), l => l.Contains(name, StringComparison.Ordinal)));
            Assert.Single(table.Output.Split('\n'), l => l.Contains(name, StringComparison.Ordinal) && l.Contains(" batch ", StringComparison.Ordinal));
        }
        // The (all) rows' work partitions, printed as runs ("0-4, 9, 12-15"), read back: every partition once.
        var printed = table.Output.Split('\n').Where(l => l.Contains(" (all) ", StringComparison.Ordinal))
            .SelectMany(l => l.Split('│')[5].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .SelectMany(run => run.Split('-') is [var from, var to] ? Enumerable.Range(int.Parse(from), int.Parse(to) - int.Parse(from) + 1) : [int.Parse(run)]);
        Assert.Equal(Enumerable.Range(0, EngineOptions.WorkPartitionCount), printed.Order());
    }

    private static IEnumerable<JsonElement> Members(Dictionary<string, JsonElement> view) =>
        Enumerable.Range(0, ClusterFixture.Size).Select(i => view[ClusterFixture.NodeName(i)]);

    private static int SumOf(JsonElement node, string field) => node.GetProperty(field).EnumerateObject().Sum(t => t.Value.GetInt32());

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
