using Akka.Actor;
using Akka.Configuration;
using Pipeline.Actors.Cluster;
using Pipeline.Actors.Persistence;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;
using Xunit.Abstractions;
using AkkaCluster = Akka.Cluster.Cluster;
using MemberStatus = Akka.Cluster.MemberStatus;

namespace Pipeline.Tests.Cluster;

/// <summary>
/// Real actor systems in this process, on real storage, joining through <see cref="ClusterFormation"/>. Akka's own
/// retry intervals are shortened so each test takes seconds; the rule under test is ours, not Akka's timing.
/// </summary>
public sealed class ClusterFormationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly Config TestConfig = ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.cluster.seed-node-timeout = 1s
        akka.cluster.retry-unsuccessful-join-after = 1s
        akka.cluster.periodic-tasks-initial-delay = 200ms
        akka.cluster.gossip-interval = 200ms
        akka.cluster.leader-actions-interval = 200ms
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """);

    private static readonly TimeSpan Long = TimeSpan.FromMinutes(1);

    private readonly List<ActorSystem> _systems = [];
    private readonly List<TestDatabase> _databases = [];
    private readonly List<IStorage> _storages = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // Clean-up, not the subject: three members leaving at once may each wait out a phase of coordinated shutdown.
        await Task.WhenAll(_systems.Select(s => s.Terminate().WaitAsync(Long)));
        foreach (var storage in _storages) await storage.DisposeAsync();
        foreach (var database in _databases) await database.DisposeAsync();
    }

    [Fact]
    public async Task Three_nodes_starting_together_on_one_postgres_database_form_exactly_one_cluster()
    {
        var storage = await StorageAsync(new PostgresTestDatabase());
        var nodes = Enumerable.Range(1, 3).Select(_ => NewSystem()).ToList();

        await Task.WhenAll(nodes.Select((system, i) => Task.Run(() =>
            ClusterFormation.JoinAsync(system, storage.ClusterSeeds, Settings($"node-{i}"), Log($"node-{i}")))));

        foreach (var system in nodes)
        {
            Assert.True(await Eventually.HoldsAsync(() => UpMembers(system) == 3), $"{AkkaCluster.Get(system).SelfAddress} sees 3 Up members");
        }
    }

    [Fact]
    public async Task A_node_whose_only_recorded_peer_is_dead_forms_its_own_cluster_after_the_attempt()
    {
        var storage = await StorageAsync(new PostgresTestDatabase());
        // Killed moments ago: its row is fresh, but nothing listens at its address.
        await storage.ClusterSeeds.EnterAsync("killed", DeadAddress(), keepPlace: false, Long);
        var node = NewSystem();

        await ClusterFormation.JoinAsync(node, storage.ClusterSeeds, Settings("survivor"), Log("survivor"));

        Assert.True(await Eventually.HoldsAsync(() => AkkaCluster.Get(node).SelfMember.Status == MemberStatus.Up), "Up (the read view follows the member-up callback)");
        Assert.True(await Eventually.HoldsAsync(() => UpMembers(node) == 1), "the survivor is a cluster of one");
    }

    [Fact]
    public async Task Two_nodes_starting_behind_a_dead_one_form_one_cluster_not_two()
    {
        var storage = await StorageAsync(new PostgresTestDatabase());
        await storage.ClusterSeeds.EnterAsync("killed", DeadAddress(), keepPlace: false, Long);
        var nodes = new[] { NewSystem(), NewSystem() };

        // Each sees the dead node ahead (and the second also the first, which is alive but not yet in a cluster): only
        // the first in line may form the cluster once the dead one is skipped.
        await Task.WhenAll(nodes.Select((system, i) => Task.Run(() =>
            ClusterFormation.JoinAsync(system, storage.ClusterSeeds, Settings($"node-{i}"), Log($"node-{i}")))));

        foreach (var system in nodes)
        {
            Assert.True(await Eventually.HoldsAsync(() => UpMembers(system) == 2), $"{AkkaCluster.Get(system).SelfAddress} sees 2 Up members");
        }
    }

    [Fact]
    public async Task A_node_on_sqlite_is_a_cluster_of_one_whatever_the_nodes_table_holds()
    {
        var storage = await StorageAsync(new SqliteTestDatabase());
        await storage.ClusterSeeds.EnterAsync("earlier-run", DeadAddress(), keepPlace: false, Long);
        var node = NewSystem();

        await ClusterFormation.JoinAsync(node, storage.ClusterSeeds, Settings("only") with { SingleNode = true }, Log("only"));

        Assert.True(await Eventually.HoldsAsync(() => UpMembers(node) == 1), "the node is a cluster of one");
        Assert.Equal(AkkaCluster.Get(node).SelfAddress.ToString(),
            Assert.Single(await storage.Nodes.ListAsync(Long), n => n.Name == "only").ClusterAddress);
    }

    [Fact]
    public async Task Configured_seed_nodes_win_over_storage()
    {
        var storage = await StorageAsync(new PostgresTestDatabase());
        var first = NewSystem();
        await ClusterFormation.JoinAsync(first, storage.ClusterSeeds, Settings("first"), Log("first"));
        // A live-looking row that would be a dead end if storage were asked.
        await storage.ClusterSeeds.EnterAsync("decoy", DeadAddress(), keepPlace: false, Long);
        var second = NewSystem();

        await ClusterFormation.JoinAsync(second, storage.ClusterSeeds,
            Settings("second") with { SeedNodes = [AkkaCluster.Get(first).SelfAddress.ToString()], AttemptTimeout = Long }, Log("second"));

        Assert.True(await Eventually.HoldsAsync(() => UpMembers(second) == 2), "the second node joined the configured seed");
    }

    [Fact]
    public async Task A_node_that_cannot_come_up_fails_with_a_clear_error_after_the_join_timeout()
    {
        var storage = await StorageAsync(new PostgresTestDatabase());
        var node = NewSystem();

        var error = await Assert.ThrowsAsync<ClusterJoinException>(() => ClusterFormation.JoinAsync(node, storage.ClusterSeeds,
            Settings("lonely") with { SeedNodes = [DeadAddress()], JoinTimeout = TimeSpan.FromSeconds(2) }, Log("lonely")));

        Assert.Contains("lonely", error.Message, StringComparison.Ordinal);
        Assert.Contains("Pipeline:Cluster:JoinTimeout", error.Message, StringComparison.Ordinal);
    }

    private TestOutputLogger Log(string node) => new(output, node);

    private static ClusterJoinSettings Settings(string name) => new(name, Long)
    {
        AttemptTimeout = TimeSpan.FromSeconds(2),
        ProbeTimeout = TimeSpan.FromSeconds(1),
        JoinTimeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>A port that was free a moment ago: nobody answers there.</summary>
    private static string DeadAddress()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return $"akka.tcp://pipeline@127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}";
    }

    private ActorSystem NewSystem()
    {
        var system = ActorSystem.Create("pipeline", TestConfig);
        _systems.Add(system);
        return system;
    }

    private async Task<IStorage> StorageAsync(TestDatabase database)
    {
        _databases.Add(database);
        await database.InitializeAsync();
        var storage = await database.OpenStorageAsync();
        _storages.Add(storage);
        return storage;
    }

    private static int UpMembers(ActorSystem system) => AkkaCluster.Get(system).State.Members.Count(m => m.Status == MemberStatus.Up);
}
