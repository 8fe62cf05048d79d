using Akka.Actor;
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

    /// <summary>The entity type a region serves: sharding names the region's actor after it (escaped).</summary>
    public static string TypeName(IActorRef region) => Uri.UnescapeDataString(region.Path.Name);
}
