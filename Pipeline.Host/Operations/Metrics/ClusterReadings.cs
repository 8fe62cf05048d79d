using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Pipeline.Host.Engine;

namespace Pipeline.Host.Operations.Metrics;

/// <summary>
/// This node's view of the cluster for <c>/metrics</c>: members by status and unreachable members (Akka's membership
/// as this node sees it), and the shards and entities each of this node's shard regions hosts
/// (<c>GetShardRegionState</c>, five asks: polled at most every 5 s, never per scrape).
/// </summary>
internal sealed class ClusterReadings(IServiceProvider services, TimeProvider time, ILogger<ClusterReadings> logger)
    : PolledReading<ClusterReadings.Snapshot>(Snapshot.Empty, TimeSpan.FromSeconds(5), time, logger)
{
    /// <summary>Every status is reported, 0 when no member has it, so each series exists from the first scrape.</summary>
    public static readonly IReadOnlyList<MemberStatus> Statuses =
        [MemberStatus.Joining, MemberStatus.WeaklyUp, MemberStatus.Up, MemberStatus.Leaving, MemberStatus.Exiting, MemberStatus.Down, MemberStatus.Removed];

    /// <summary>Entity type (the <c>entity</c> label) and its shard region's key in the actor registry.</summary>
    private static readonly (string Entity, Type Region)[] Regions =
    [
        ("batch", typeof(BatchRegion)), ("registration", typeof(RegistrationRegion)), ("event", typeof(EventRegion)),
        ("member", typeof(MemberRegion)), ("webhook-endpoint", typeof(WebhookEndpointRegion)),
    ];

    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(2);

    public sealed record Snapshot(
        IReadOnlyDictionary<MemberStatus, int> Members, int Unreachable, IReadOnlyDictionary<string, (int Shards, int Entities)> Hosted)
    {
        public static readonly Snapshot Empty = new(new Dictionary<MemberStatus, int>(), 0, new Dictionary<string, (int, int)>());
    }

    /// <summary><c>member_status</c> label values, as Prometheus names them (snake case).</summary>
    public static string Label(MemberStatus status) => status switch
    {
        MemberStatus.WeaklyUp => "weakly_up",
        _ => status.ToString().ToLowerInvariant(),
    };

    protected override async Task<Snapshot> ReadAsync(CancellationToken cancellationToken)
    {
        // Resolved here, not in the constructor: the actor system exists only once the host has started.
        var system = services.GetRequiredService<ActorSystem>();
        var state = Akka.Cluster.Cluster.Get(system).State;
        var members = Statuses.ToDictionary(s => s, s => state.Members.Count(m => m.Status == s));
        var registry = services.GetRequiredService<IReadOnlyActorRegistry>();
        var hosted = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        foreach (var (entity, region) in Regions)
        {
            if (registry.TryGet(region, out var actor))
            {
                var regionState = await actor.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, AskTimeout, cancellationToken);
                hosted[entity] = (regionState.Shards.Count, regionState.Shards.Sum(s => s.EntityIds.Count));
            }
        }
        return new Snapshot(members, state.Unreachable.Count, hosted);
    }
}
