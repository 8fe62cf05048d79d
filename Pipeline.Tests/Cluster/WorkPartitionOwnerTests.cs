using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Pipeline.Actors.Work;
using Pipeline.Host.Engine;
using Pipeline.Tests.Support;
using AkkaCluster = Akka.Cluster.Cluster;

namespace Pipeline.Tests.Cluster;

/// <summary>
/// The work partitions as the host runs them (one <see cref="WorkPartitionOwner"/> per partition in a sharded daemon
/// process), on real actor systems clustered in this process: each partition has exactly one owning node, and a node's
/// partitions move to the others when it leaves. Sharding of the partitions is configured as the host configures it.
/// </summary>
public sealed class WorkPartitionOwnerTests : IAsyncLifetime
{
    private const int Partitions = 12;

    private static readonly Config TestConfig = ConfigurationFactory.ParseString(EngineServices.WorkPartitionsHocon + """

        akka.loglevel = WARNING
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.cluster.periodic-tasks-initial-delay = 200ms
        akka.cluster.gossip-interval = 200ms
        akka.cluster.leader-actions-interval = 200ms
        akka.cluster.sharding.state-store-mode = ddata
        akka.cluster.sharding.remember-entities = off
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """);

    private readonly List<ActorSystem> _systems = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Task.WhenAll(_systems.Select(s => s.Terminate().WaitAsync(TimeSpan.FromMinutes(1))));

    [Fact]
    public async Task A_node_alone_owns_every_partition()
    {
        var (system, owned) = Node();
        await AkkaCluster.Get(system).JoinAsync(AkkaCluster.Get(system).SelfAddress);

        Assert.True(await Eventually.HoldsAsync(() => owned.Current.Owned.Count == Partitions), $"owns {owned.Current}");
        Assert.Equal(Enumerable.Range(0, Partitions), owned.Current.Owned);
    }

    [Fact]
    public async Task Two_nodes_share_the_partitions_each_owned_once_and_the_one_that_stays_takes_all_when_the_other_leaves()
    {
        var (first, firstOwned) = Node();
        await AkkaCluster.Get(first).JoinAsync(AkkaCluster.Get(first).SelfAddress);
        Assert.True(await Eventually.HoldsAsync(() => firstOwned.Current.Owned.Count == Partitions), $"first owns {firstOwned.Current}");
        var (second, secondOwned) = Node();
        await AkkaCluster.Get(second).JoinAsync(AkkaCluster.Get(first).SelfAddress);

        // Sharding rebalances some partitions onto the newcomer; at no moment does a partition have two owners.
        var overlaps = 0;
        var shared = await Eventually.HoldsAsync(() =>
        {
            var (a, b) = (firstOwned.Current.Owned, secondOwned.Current.Owned);
            overlaps += a.Intersect(b).Any() ? 1 : 0;
            return a.Count > 0 && b.Count > 0 && a.Count + b.Count == Partitions;
        }, TimeSpan.FromSeconds(60));
        Assert.True(shared, $"first {firstOwned.Current}, second {secondOwned.Current}");
        Assert.Equal(0, overlaps);
        Assert.Equal(Enumerable.Range(0, Partitions), firstOwned.Current.Owned.Concat(secondOwned.Current.Owned).Order());

        await CoordinatedShutdown.Get(second).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);

        Assert.Empty(secondOwned.Current.Owned);
        Assert.True(await Eventually.HoldsAsync(() => firstOwned.Current.Owned.Count == Partitions, TimeSpan.FromSeconds(60)),
            $"first owns {firstOwned.Current} after the second left");
    }

    private (ActorSystem System, OwnedWorkPartitions Owned) Node()
    {
        var system = ActorSystem.Create("partitions", TestConfig);
        _systems.Add(system);
        var owned = new OwnedWorkPartitions(Partitions);
        ClusterSharding.Get(system); // adds sharding's defaults, under the daemon's settings, as the host's hosting does
        ShardedDaemonProcess.Get(system).Init("work-partitions", Partitions, p => WorkPartitionOwner.Props(owned, p),
            ShardedDaemonProcessSettings.Create(system).WithKeepAliveInterval(TimeSpan.FromMilliseconds(500)), WorkPartitionOwner.Stop.Instance);
        return (system, owned);
    }
}
