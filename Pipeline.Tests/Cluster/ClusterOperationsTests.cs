using System.Net;
using System.Text.Json;
using Pipeline.Cli;
using Pipeline.Tests.Cli;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Cluster;

/// <summary>
/// An operator's <c>pipeline cluster leave</c> and <c>down</c> on a real cluster. Each test takes node-3 out and puts
/// it back when done (started again under the same name), so the collection's later tests still find three nodes.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterOperationsTests(ClusterFixture cluster, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Victim = 2; // node-3

    private static readonly string VictimName = ClusterFixture.NodeName(Victim);

    /// <summary>Only a bound on a hang: a leave takes the drain (2 s here) and the hand-off, a down one gossip round.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Akka's split brain resolver logs this (at Warning) whenever it downs a node.</summary>
    private const string ResolverDecision = "SBR took decision";

    private readonly ClusterClient _client = new(cluster);

    public Task InitializeAsync() => cluster.EnsureAllUpAsync();

    public Task DisposeAsync() => cluster.EnsureAllUpAsync();

    /// <summary>
    /// node-3 hosts batches; told to leave through another node, it stops its host first (the log says so), exits by
    /// itself, shows as gone and removed, and the two others serve every batch it hosted: each consumes on its first
    /// try or after a resend of a 503 unavailable, with nothing lost.
    /// </summary>
    [Fact]
    public async Task A_node_told_to_leave_exits_and_the_others_serve_its_entities()
    {
        // Batches until node-3 hosts some of them (a batch lives on its shard's node: a third of them, on average).
        var batches = new List<string>();
        while (batches.Count < 60 && (batches.Count < 6 || await BatchesOnAsync(Victim) == 0))
        {
            batches.Add(await _client.CreateBatchAsync(batches.Count % ClusterFixture.Size, 10));
        }
        var hosted = await BatchesOnAsync(Victim);
        Assert.True(hosted > 0, $"node-3 hosts none of {batches.Count} batches");
        var victimLog = cluster.Node(Victim).Output;

        var leave = await CliRun.RunAsync("cluster", "leave", VictimName, "--url", cluster.Node(0).Url, "--api-key", ClusterFixture.AdminKey);
        Assert.True(leave.ExitCode == ExitCodes.Ok, leave.ToString());
        Assert.Contains($"{VictimName} (akka.tcp://", leave.Output, StringComparison.Ordinal);

        var exitCode = await cluster.AwaitExitAsync(Victim, Timeout);
        Assert.True(exitCode is not null, $"{VictimName} still ran {Timeout.TotalSeconds} s after it was told to leave");
        Assert.Contains(victimLog, l => l.Contains("told to leave the cluster: stopping the host", StringComparison.Ordinal));
        output.WriteLine($"{VictimName} hosted {hosted} of {batches.Count} batches; it exited with code {exitCode}");

        JsonElement view = default;
        Assert.True(await Poll.UntilAsync(async () =>
        {
            view = await NodeAsync(0, VictimName);
            return view.GetProperty("status").GetString() == "gone" && view.GetProperty("memberStatus").GetString() == "removed";
        }, Timeout), $"{VictimName} shown as {view}");
        Assert.NotEqual(JsonValueKind.Null, view.GetProperty("stoppedAt").ValueKind); // its host stopped gracefully

        var resent = 0;
        foreach (var batch in batches)
        {
            resent += await ConsumeOneOnNode2Async(batch);
        }
        output.WriteLine($"{resent} consumes resent after a 503 unavailable");
        var survivors = await NodesAsync(1);
        Assert.Single(survivors, n => n.GetProperty("leader").GetBoolean());
        Assert.All(survivors.Where(n => n.GetProperty("name").GetString() != VictimName),
            n => Assert.Equal(("up", "up"), (n.GetProperty("status").GetString(), n.GetProperty("memberStatus").GetString())));
    }

    /// <summary>
    /// node-3 frozen (SIGSTOP) until the others find it unreachable, then downed with the tool: it is shown down or
    /// removed, and gone, without the split brain resolver having decided anything (it would wait out stable-after,
    /// 7 s, first), and a batch it hosted is served by the others.
    /// </summary>
    [Fact]
    public async Task An_unreachable_node_downed_by_the_operator_is_removed_without_the_resolver()
    {
        var batch = await BatchOnVictimAsync();
        var decisionsBefore = ResolverDecisions();
        await cluster.FreezeAsync(Victim);
        try
        {
            JsonElement view = default;
            Assert.True(await Poll.UntilAsync(async () =>
            {
                view = await NodeAsync(0, VictimName);
                return !view.GetProperty("reachable").GetBoolean();
            }, Timeout, TimeSpan.FromMilliseconds(100)), $"{VictimName} frozen but shown as {view}");

            var down = await CliRun.RunAsync("cluster", "down", VictimName, "--url", cluster.Node(0).Url, "--api-key", ClusterFixture.AdminKey);
            Assert.True(down.ExitCode == ExitCodes.Ok, down.ToString());
            Assert.True(await Poll.UntilAsync(async () =>
            {
                view = await NodeAsync(0, VictimName);
                return view.GetProperty("memberStatus").GetString() is "down" or "removed";
            }, Timeout, TimeSpan.FromMilliseconds(100)), $"{VictimName} shown as {view}");
            Assert.Equal(decisionsBefore, ResolverDecisions());
            Assert.Equal("gone", view.GetProperty("status").GetString());

            var resent = await ConsumeOneOnNode2Async(batch);
            output.WriteLine($"its batch consumed on node-2 after {resent} resends of a 503 unavailable");
        }
        finally
        {
            await cluster.KillAsync(Victim); // not woken: FrozenNodeTests covers a downed node that wakes
        }
    }

    /// <summary>
    /// Consumes 1 of a batch of 10 through node-2, resending a 503 unavailable (its shard moving: nothing applied) up to
    /// 20 times; asserts the consume went through once, leaving 9. Returns how many resends it took.
    /// </summary>
    private async Task<int> ConsumeOneOnNode2Async(string batch)
    {
        for (var resent = 0; ; resent++)
        {
            var (response, _) = await _client.SendAsync(1, () => ClusterClient.Consume(batch, 1, "ops-" + batch));
            if (await ClusterClient.IsUnavailableAsync(response) && resent < 20)
            {
                await Task.Delay(500);
                continue;
            }
            Assert.True(response.IsSuccessStatusCode, $"consume of {batch}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.Equal(9, (await response.JsonAsync()).GetProperty("remaining").GetInt64());
            return resent;
        }
    }

    private ClusterNodes Nodes => new(cluster, _client);

    private Task<string> BatchOnVictimAsync() => Nodes.BatchOnAsync(Victim, 10);

    /// <summary>Lines of the resolver's decisions the two other nodes have logged so far.</summary>
    private int ResolverDecisions() => Enumerable.Range(0, ClusterFixture.Size).Where(i => i != Victim)
        .Sum(i => cluster.Node(i).Output.Count(l => l.Contains(ResolverDecision, StringComparison.Ordinal)));

    private Task<int> BatchesOnAsync(int index) => Nodes.BatchesOnAsync(index);

    private Task<JsonElement> NodeAsync(int asked, string name) => Nodes.OneAsync(asked, name);

    private Task<List<JsonElement>> NodesAsync(int asked) => Nodes.AllAsync(asked);
}
