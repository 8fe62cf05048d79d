using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;

namespace Pipeline.Host.Engine;

/// <summary>Every entity type's shard region, for the operator queries that go to each type (shard and entity counts).</summary>
internal static class ShardRegions
{
    public static IReadOnlyList<IActorRef> All(IReadOnlyActorRegistry registry) =>
    [
        registry.Get<BatchRegion>(),
        registry.Get<RegistrationRegion>(),
        registry.Get<EventRegion>(),
        registry.Get<MemberRegion>(),
        registry.Get<WebhookEndpointRegion>(),
    ];

    /// <summary>The sharded daemon process that owns the background work's partitions, by this name.</summary>
    public const string WorkPartitionsProcess = "work-partitions";

    /// <summary>
    /// The region of the work partitions' daemon process: sharding runs it as the type <c>sharded-daemon-process-{name}</c>
    /// with one shard per process, whose id is the partition's number. Null until the process has started on this node.
    /// </summary>
    public static IActorRef? WorkPartitions(ActorSystem system)
    {
        var sharding = ClusterSharding.Get(system);
        const string typeName = "sharded-daemon-process-" + WorkPartitionsProcess;
        return sharding.ShardTypeNames.Contains(typeName) ? sharding.ShardRegion(typeName) : null;
    }

    /// <summary>The entity type a region serves: sharding names the region's actor after it (escaped).</summary>
    public static string TypeName(IActorRef region) => Uri.UnescapeDataString(region.Path.Name);
}
