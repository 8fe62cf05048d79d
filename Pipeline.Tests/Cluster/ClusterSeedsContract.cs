using Pipeline.Actors.Cluster;
using Pipeline.Actors.Persistence;
using Pipeline.Tests.Storage;

namespace Pipeline.Tests.Cluster;

public sealed class SqliteClusterSeedsTests() : ClusterSeedsContract(new SqliteTestDatabase());

public sealed class PostgresClusterSeedsTests() : ClusterSeedsContract(new PostgresTestDatabase());

/// <summary>
/// What every storage's seeds must do: hand out places in line one at a time, so of nodes entering together exactly one
/// sees nobody ahead, and return only live nodes (fresh beat, not stopped). Each test has a database of its own,
/// because every live row of a database is somebody's seed.
/// </summary>
public abstract class ClusterSeedsContract(TestDatabase database) : StorageContract(database)
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);

    private IClusterSeeds Seeds => Storage.ClusterSeeds;

    [Fact]
    public async Task The_first_node_sees_nobody_and_the_second_sees_the_first()
    {
        Assert.Empty(await Seeds.EnterAsync("a", Address(1), keepPlace: false, Long));

        Assert.Equal([Address(1)], await Seeds.EnterAsync("b", Address(2), keepPlace: false, Long));
        Assert.Equal([Address(1), Address(2)], await Seeds.EnterAsync("c", Address(3), keepPlace: false, Long));
    }

    [Fact]
    public async Task Entering_records_the_node_as_up_with_its_cluster_address()
    {
        await Seeds.EnterAsync("a", Address(1), keepPlace: false, Long);

        var node = Assert.Single(await Storage.Nodes.ListAsync(Long));
        Assert.Equal(("a", NodeStatus.Up, Address(1)), (node.Name, node.Status, node.ClusterAddress));
    }

    [Fact]
    public async Task Of_eight_nodes_entering_at_once_exactly_one_sees_nobody_and_each_sees_all_before_it()
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entries = Enumerable.Range(1, 8)
            .Select(i => Task.Run(async () => { await start.Task; return (Address: Address(i), Ahead: await Seeds.EnterAsync($"n{i}", Address(i), false, Long)); }))
            .ToList();
        start.SetResult();
        var seen = (await Task.WhenAll(entries)).OrderBy(e => e.Ahead.Count).ToList();

        Assert.Equal(Enumerable.Range(0, 8), seen.Select(e => e.Ahead.Count));
        // One line: each node sees exactly the nodes that entered before it, in their order.
        for (var i = 0; i < seen.Count; i++)
        {
            Assert.Equal(seen.Take(i).Select(e => e.Address), seen[i].Ahead);
        }
    }

    [Fact]
    public async Task Stopped_and_silent_nodes_are_not_seeds()
    {
        await Seeds.EnterAsync("stopped", Address(1), keepPlace: false, Long);
        await Storage.Nodes.LeaveAsync("stopped");
        await Seeds.EnterAsync("silent", Address(2), keepPlace: false, Long);
        await Seeds.EnterAsync("beating", Address(3), keepPlace: false, Long);
        await Task.Delay(700);
        await Storage.Nodes.HeartbeatAsync(new NodeHeartbeat("beating", [], new Dictionary<string, long>()));

        Assert.Equal([Address(3)], await Seeds.EnterAsync("new", Address(4), keepPlace: false, TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task A_retry_keeps_the_nodes_place_and_a_restart_goes_to_the_end_of_the_line()
    {
        await Seeds.EnterAsync("a", Address(1), keepPlace: false, Long);
        await Seeds.EnterAsync("b", Address(2), keepPlace: false, Long);

        Assert.Empty(await Seeds.EnterAsync("a", Address(1), keepPlace: true, Long));
        Assert.Equal([Address(1)], await Seeds.EnterAsync("b", Address(2), keepPlace: true, Long));

        // Restarted at the same address: a newcomer to the cluster b now runs.
        Assert.Equal([Address(2)], await Seeds.EnterAsync("a", Address(1), keepPlace: false, Long));
    }

    [Fact]
    public async Task A_heartbeat_without_a_cluster_address_keeps_the_recorded_one_and_a_heartbeat_with_one_records_it()
    {
        await Seeds.EnterAsync("a", Address(1), keepPlace: false, Long);

        await Storage.Nodes.HeartbeatAsync(new NodeHeartbeat("a", [], new Dictionary<string, long>()));
        Assert.Equal(Address(1), Assert.Single(await Storage.Nodes.ListAsync(Long)).ClusterAddress);

        await Storage.Nodes.HeartbeatAsync(new NodeHeartbeat("a", [], new Dictionary<string, long>(), ClusterAddress: Address(9)));
        Assert.Equal(Address(9), Assert.Single(await Storage.Nodes.ListAsync(Long)).ClusterAddress);
    }

    private static string Address(int node) => $"akka.tcp://pipeline@10.0.0.{node}:4053";
}
