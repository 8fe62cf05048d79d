using System.Diagnostics;
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

    [Fact]
    public async Task Every_node_lists_the_three_nodes_up_with_their_pipelines()
    {
        // A node joins before it listens, so its address comes with its first heartbeat after the start.
        Assert.True(await Poll.UntilAsync(async () => (await NodesAsync(0)).Values.All(n => n.GetProperty("address").ValueKind == JsonValueKind.String),
            ClusterFixture.HeartbeatInterval * 4, TimeSpan.FromMilliseconds(100)), "every node reports its address");
        for (var asked = 0; asked < ClusterFixture.Size; asked++)
        {
            var nodes = await NodesAsync(asked);
            for (var i = 0; i < ClusterFixture.Size; i++)
            {
                var node = nodes[ClusterFixture.NodeName(i)];
                Assert.Equal("up", node.GetProperty("status").GetString());
                Assert.Equal(["tickets", "webhooks", "whatsapp"],
                    node.GetProperty("pipelines").EnumerateArray().Select(p => p.GetString()!).Order());
                Assert.Equal(["tickets", "webhooks", "whatsapp"],
                    node.GetProperty("inFlight").EnumerateObject().Select(p => p.Name).Order());
                var beat = node.GetProperty("lastHeartbeat").GetDateTimeOffset();
                Assert.InRange(DateTimeOffset.UtcNow - beat, TimeSpan.FromSeconds(-5), ClusterFixture.GoneAfter + TimeSpan.FromSeconds(5));
                Assert.Equal(cluster.Node(i).Url, node.GetProperty("address").GetString());
            }
        }
    }

    [Fact]
    public async Task The_cli_shows_each_node_up()
    {
        var run = await CliRun.RunAsync("cluster", "nodes", "--url", cluster.Node(2).Url, "--api-key", ClusterFixture.AdminKey);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        for (var i = 0; i < ClusterFixture.Size; i++)
        {
            var line = Assert.Single(run.Output.Split('\n'), l => l.Contains(ClusterFixture.NodeName(i) + " ", StringComparison.Ordinal));
            Assert.Contains(" up ", line, StringComparison.Ordinal);
            Assert.Contains("whatsapp", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_killed_node_is_shown_as_gone_after_GoneAfter_and_the_others_stay_up()
    {
        const int victim = 2; // node-3
        var name = ClusterFixture.NodeName(victim);
        var lastBeat = (await NodesAsync(0))[name].GetProperty("lastHeartbeat").GetDateTimeOffset();
        var sinceKill = Stopwatch.StartNew();
        await cluster.KillAsync(victim);
        var killTook = sinceKill.Elapsed;
        var ageAtKill = await HeartbeatAgeAsync(name);
        var upUntil = TimeSpan.Zero;
        var gone = await Poll.TimeUntilAsync(async () =>
        {
            var nodes = await NodesAsync(0);
            Assert.Equal("up", nodes[ClusterFixture.NodeName(1)].GetProperty("status").GetString());
            if (nodes[name].GetProperty("status").GetString() == "up")
            {
                upUntil = sinceKill.Elapsed;
                return false;
            }
            return true;
        }, sinceKill, ClusterFixture.GoneAfter * 4, TimeSpan.FromMilliseconds(100));
        var ageWhenGone = await HeartbeatAgeAsync(name);

        // Gone once its last beat is older than GoneAfter: at most GoneAfter after the kill (plus a poll and a busy machine),
        // and not while its beat is fresh.
        Assert.NotNull(gone);
        Assert.True(gone <= ClusterFixture.GoneAfter + TimeSpan.FromSeconds(1.5), $"shown gone {gone?.TotalSeconds:0.00} s after the kill");
        Assert.True(ageWhenGone >= ClusterFixture.GoneAfter, $"shown gone with a heartbeat {ageWhenGone.TotalSeconds:0.00} s old");
        var view = (await NodesAsync(1))[name];
        Assert.Equal("gone", view.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("stoppedAt").ValueKind); // it never said goodbye
        Assert.True(view.GetProperty("lastHeartbeat").GetDateTimeOffset() >= lastBeat);

        var run = await CliRun.RunAsync("cluster", "nodes", "--url", cluster.Node(0).Url, "--api-key", ClusterFixture.AdminKey);
        Assert.Contains(" gone ", Assert.Single(run.Output.Split('\n'), l => l.Contains(name + " ", StringComparison.Ordinal)), StringComparison.Ordinal);
        output.WriteLine($"{name} killed (SIGKILL and exit took {killTook.TotalSeconds:0.00} s; last heartbeat {ageAtKill.TotalSeconds:0.00} s old then):"
            + $" shown up until {upUntil.TotalSeconds:0.00} s, gone at {gone?.TotalSeconds:0.00} s after the kill"
            + $" (HeartbeatInterval {ClusterFixture.HeartbeatInterval.TotalSeconds} s, GoneAfter {ClusterFixture.GoneAfter.TotalSeconds} s)");
    }

    private async Task<TimeSpan> HeartbeatAgeAsync(string name) => TimeSpan.FromMilliseconds(await cluster.ScalarAsync(
        "SELECT (extract(epoch FROM now() - last_heartbeat) * 1000)::bigint FROM nodes WHERE name = $1", name));

    private async Task<Dictionary<string, JsonElement>> NodesAsync(int asked)
    {
        var response = await cluster.Client(asked).GetAsync("/api/admin/cluster");
        response.EnsureSuccessStatusCode();
        return (await response.JsonAsync()).GetProperty("nodes").EnumerateArray()
            .ToDictionary(n => n.GetProperty("name").GetString()!, n => n);
    }
}
