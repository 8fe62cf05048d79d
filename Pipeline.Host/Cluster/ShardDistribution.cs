using System.Collections.Immutable;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Pipeline.Host.Engine;

namespace Pipeline.Host.Cluster;

/// <summary>
/// Where the shards and entities of every entity type are now, by node: <see cref="GetClusterShardingStats"/> to each
/// type's region, which its coordinator answers by asking every region of the type; and the same of the work partitions'
/// daemon process, whose shard ids are the partitions' numbers.
/// </summary>
internal sealed class ShardDistribution(IReadOnlyActorRegistry registry, ActorSystem system, ILogger<ShardDistribution> logger)
{
    /// <summary>How long each region of a type is given to answer; the whole read waits one second more.</summary>
    public static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Counts for each of <paramref name="nodes"/> (zero for a node with no region yet), or null when any type could not be counted in full: its coordinator did not answer, or it
    /// answered with no regions (what it sends when one region did not answer), or a region could not count a shard.
    /// Partial counts would show shards as missing that are not.
    /// </summary>
    public async Task<IReadOnlyDictionary<Address, NodeShards>?> ReadAsync(IEnumerable<Address> nodes, CancellationToken cancellationToken)
    {
        if (ShardRegions.WorkPartitions(system) is not { } partitionRegion)
        {
            return null; // asked in the node's first moments, before its daemon process started
        }
        var entityRegions = ShardRegions.All(registry);
        IReadOnlyList<IActorRef> regions = [.. entityRegions, partitionRegion];
        ClusterShardingStats[] stats;
        try
        {
            stats = await Task.WhenAll(regions.Select(region => region.Ask<ClusterShardingStats>(
                new GetClusterShardingStats(QueryTimeout), QueryTimeout + TimeSpan.FromSeconds(1), cancellationToken)));
        }
        catch (Exception error) when (error is (AskTimeoutException or TaskCanceledException) && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Shard counts unavailable: a coordinator did not answer within {Timeout}", QueryTimeout + TimeSpan.FromSeconds(1));
            return null;
        }
        var incomplete = stats.Select((s, i) => (Type: ShardRegions.TypeName(regions[i]), Stats: s))
            .FirstOrDefault(t => t.Stats.Regions.Count == 0 || t.Stats.Regions.Values.Any(r => r.Failed.Count > 0));
        if (incomplete.Stats is not null)
        {
            logger.LogWarning("Shard counts unavailable: the {Type} regions could not all be counted", incomplete.Type);
            return null;
        }

        var types = entityRegions.Select(ShardRegions.TypeName).ToList();
        var partitions = stats[^1];
        return nodes.Distinct().ToDictionary(address => address, address =>
        {
            var perType = types.Select((type, i) => (Type: type, Stats: StatsOf(stats[i], address))).ToList();
            return new NodeShards(
                perType.Sum(t => t.Stats.Count),
                perType.Sum(t => t.Stats.Values.Sum()),
                perType.ToDictionary(t => t.Type, t => t.Stats.Count),
                perType.ToDictionary(t => t.Type, t => t.Stats.Values.Sum()),
                // A partition's shard is allocated before its owner starts: only a live owner makes it this node's.
                [.. StatsOf(partitions, address).Where(s => s.Value > 0).Select(s => int.Parse(s.Key, CultureInfo.InvariantCulture)).Order()]);
        });
    }

    private static IImmutableDictionary<string, int> StatsOf(ClusterShardingStats stats, Address address) =>
        stats.Regions.TryGetValue(address, out var region) ? region.Stats : ImmutableDictionary<string, int>.Empty;
}
