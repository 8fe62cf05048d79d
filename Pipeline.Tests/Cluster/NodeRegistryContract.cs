using Pipeline.Actors.Cluster;
using Pipeline.Actors.Persistence;
using Pipeline.Tests.Storage;

namespace Pipeline.Tests.Cluster;

public sealed class SqliteNodeRegistryTests(SqliteTestDatabase database)
    : NodeRegistryContract(database), IClassFixture<SqliteTestDatabase>;

public sealed class PostgresNodeRegistryTests(PostgresTestDatabase database)
    : NodeRegistryContract(database), IClassFixture<PostgresTestDatabase>;

/// <summary>
/// What every node registry must do: a joined node is up with what it reported, beats keep it up, a node that stops
/// beating is gone after the horizon, and a node that leaves is gone at once. Tests of one class share a database,
/// so each uses node names of its own. Times are real (PostgreSQL's are the database's clock).
/// </summary>
public abstract class NodeRegistryContract(TestDatabase database) : IAsyncLifetime
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    private IStorage Storage { get; set; } = null!;

    private INodeRegistry Nodes => Storage.Nodes;

    public async Task InitializeAsync() => Storage = await database.OpenStorageAsync();

    public async Task DisposeAsync() => await Storage.DisposeAsync();

    [Fact]
    public async Task A_joined_node_is_up_with_what_it_reported()
    {
        var name = Name("a");
        await Nodes.JoinAsync(new NodeHeartbeat(name, ["tickets", "whatsapp"], new Dictionary<string, long> { ["tickets"] = 2 }, "1.2.3", "http://10.0.0.1:5080"));

        var node = await FindAsync(name, Long);

        Assert.Equal(NodeStatus.Up, node.Status);
        Assert.Equal(["tickets", "whatsapp"], node.Pipelines);
        Assert.Equal(2, node.InFlight["tickets"]);
        Assert.Equal("1.2.3", node.Version);
        Assert.Equal("http://10.0.0.1:5080", node.Address);
        Assert.Null(node.StoppedAt);
        Assert.Equal(node.StartedAt, node.LastHeartbeat);
        Assert.InRange(node.LastHeartbeat, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task A_heartbeat_reports_new_work_and_keeps_the_start_time()
    {
        var name = Name("b");
        await Nodes.JoinAsync(Beat(name, "tickets"));
        var joined = await FindAsync(name, Long);
        await Task.Delay(50);

        await Nodes.HeartbeatAsync(new NodeHeartbeat(name, ["tickets", "webhooks"], new Dictionary<string, long> { ["webhooks"] = 7 }));

        var beaten = await FindAsync(name, Long);
        Assert.Equal(joined.StartedAt, beaten.StartedAt);
        Assert.True(beaten.LastHeartbeat > joined.LastHeartbeat);
        Assert.Equal(["tickets", "webhooks"], beaten.Pipelines);
        Assert.Equal(7, beaten.InFlight["webhooks"]);
        Assert.Null(beaten.Version);
    }

    [Fact]
    public async Task A_node_that_stops_beating_is_gone_after_the_horizon()
    {
        var silent = Name("silent");
        var beating = Name("beating");
        var horizon = TimeSpan.FromMilliseconds(600);
        await Nodes.JoinAsync(Beat(silent, "tickets"));
        await Nodes.JoinAsync(Beat(beating, "tickets"));

        for (var i = 0; i < 6; i++)
        {
            await Task.Delay(250);
            await Nodes.HeartbeatAsync(Beat(beating, "tickets"));
        }

        Assert.Equal(NodeStatus.Gone, (await FindAsync(silent, horizon)).Status);
        Assert.Equal(NodeStatus.Up, (await FindAsync(beating, horizon)).Status);
        // The horizon is the caller's: with a longer one the same beat still counts.
        Assert.Equal(NodeStatus.Up, (await FindAsync(silent, Long)).Status);
    }

    [Fact]
    public async Task A_node_that_leaves_is_gone_at_once_and_comes_back_when_it_joins_again()
    {
        var name = Name("leaver");
        await Nodes.JoinAsync(new NodeHeartbeat(name, ["tickets"], new Dictionary<string, long> { ["tickets"] = 3 }));
        var first = await FindAsync(name, Long);

        Assert.True(await Nodes.LeaveAsync(name));

        var left = await FindAsync(name, Long);
        Assert.Equal(NodeStatus.Gone, left.Status);
        Assert.NotNull(left.StoppedAt);
        Assert.Empty(left.InFlight);

        await Task.Delay(50);
        await Nodes.JoinAsync(Beat(name, "tickets"));
        var back = await FindAsync(name, Long);
        Assert.Equal(NodeStatus.Up, back.Status);
        Assert.Null(back.StoppedAt);
        Assert.True(back.StartedAt > first.StartedAt);
    }

    [Fact]
    public async Task A_heartbeat_from_an_unknown_node_joins_it()
    {
        var name = Name("late");

        await Nodes.HeartbeatAsync(Beat(name, "webhooks"));

        var node = await FindAsync(name, Long);
        Assert.Equal(NodeStatus.Up, node.Status);
        Assert.Equal(["webhooks"], node.Pipelines);
    }

    [Fact]
    public async Task Leaving_is_false_for_a_node_never_seen()
    {
        Assert.False(await Nodes.LeaveAsync(Name("nobody")));
    }

    [Fact]
    public async Task Nodes_are_listed_by_name()
    {
        string[] names = [Name("zulu"), Name("mike"), Name("alpha")];
        foreach (var name in names)
        {
            await Nodes.JoinAsync(Beat(name, "tickets"));
        }

        var listed = (await Nodes.ListAsync(Long)).Select(n => n.Name).Where(names.Contains).ToList();

        Assert.Equal([Name("alpha"), Name("mike"), Name("zulu")], listed);
    }

    private string Name(string node) => $"{node}-{_run}";

    private static NodeHeartbeat Beat(string name, params string[] pipelines) =>
        new(name, pipelines, pipelines.ToDictionary(p => p, _ => 0L));

    private async Task<NodeRecord> FindAsync(string name, TimeSpan goneAfter) =>
        Assert.Single(await Nodes.ListAsync(goneAfter), n => n.Name == name);
}
