using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;

namespace Pipeline.Host.Engine;

/// <summary>
/// Waits until every entity type's region on this node has registered with its shard coordinator. Until then a region
/// buffers commands while the coordinator singleton starts and the registration is retried (every 2 s by default): on
/// a loaded machine a node's first commands outwaited their deadline there and were answered 503.
/// </summary>
internal static class ShardRegionRegistration
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// True once every region is registered; false after <paramref name="bound"/> (its coordinator unreachable): the node
    /// then serves anyway, and commands that cannot reach their entity in time are 503 as at any other moment.
    /// </summary>
    public static async Task<bool> WaitAsync(ActorSystem system, IReadOnlyActorRegistry registry, TimeSpan bound, CancellationToken cancellationToken)
    {
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
        var started = Stopwatch.StartNew();
        foreach (var region in ShardRegions.All(registry))
        {
            // A region with no coordinator yet answers with no regions; the coordinator lists the regions registered with it.
            while (!(await CurrentRegionsAsync(region, cancellationToken)).Contains(self))
            {
                if (started.Elapsed >= bound)
                {
                    return false;
                }
                await Task.Delay(PollInterval, cancellationToken);
            }
        }
        return true;
    }

    private static async Task<IReadOnlyCollection<Address>> CurrentRegionsAsync(IActorRef region, CancellationToken cancellationToken)
    {
        try
        {
            return (await region.Ask<CurrentRegions>(GetCurrentRegions.Instance, AskTimeout, cancellationToken)).Regions;
        }
        catch (AskTimeoutException)
        {
            return [];
        }
    }
}
