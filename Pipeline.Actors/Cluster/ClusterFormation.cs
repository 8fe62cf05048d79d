using Akka.Actor;
using Microsoft.Extensions.Logging;
using AkkaCluster = Akka.Cluster.Cluster;
using MemberStatus = Akka.Cluster.MemberStatus;

namespace Pipeline.Actors.Cluster;

/// <summary>
/// Joins this node's actor system to the one cluster of the nodes sharing its storage, and returns once it is Up.
/// </summary>
/// <remarks>
/// <para><b>Configured seeds win.</b> With <c>Pipeline:Cluster:SeedNodes</c> set, Akka joins them and storage only
/// records this node's address. On a single-node storage (SQLite) the node forms a cluster of one.</para>
/// <para><b>Nodes starting together.</b> Each node takes a place in line under a storage-wide lock
/// (<see cref="IClusterSeeds.EnterAsync"/>): places are handed out one at a time, so every node agrees who is ahead of
/// whom. A node joins the live nodes ahead of it; the node with none ahead forms the cluster (joins itself). Of nodes
/// starting at the same moment the first in line forms it and the rest join it: never two clusters.</para>
/// <para><b>Stale rows.</b> A node killed moments ago still has a fresh heartbeat, so it is handed out as a seed and
/// never answers. When an attempt has not let this node in within <see cref="ClusterJoinSettings.AttemptTimeout"/>,
/// the seeds are probed (<see cref="SeedProbe"/>) and those that do not answer are dropped for good; storage is asked
/// again, this node keeping its place in line, and the join is re-sent to the live ones (Akka accepts a new join while
/// the node is still trying). When none ahead is left alive, this node forms the cluster: the nodes behind it keep
/// waiting for it, since it answers their probes. A node that was let in (a member, not yet Up: the cluster may be
/// waiting to down an unreachable member) is left to become Up; it is never sent elsewhere.</para>
/// <para>The rule trusts the probe: a live node ahead that cannot be reached from here for a whole attempt is taken
/// for dead, and this node forms a second cluster, exactly as a network partition would split one.</para>
/// </remarks>
public static class ClusterFormation
{
    /// <summary>Joins as the remarks say; completes when this node is Up.</summary>
    /// <exception cref="ClusterJoinException">Not Up within <see cref="ClusterJoinSettings.JoinTimeout"/>.</exception>
    public static async Task JoinAsync(ActorSystem system, IClusterSeeds seeds, ClusterJoinSettings settings, ILogger logger,
        CancellationToken cancellationToken = default)
    {
        var cluster = AkkaCluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        using var overall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        overall.CancelAfter(settings.JoinTimeout);
        try
        {
            if (settings.SeedNodes.Count > 0)
            {
                await JoinConfiguredSeedsAsync(cluster, seeds, settings, logger, overall.Token).ConfigureAwait(false);
            }
            else if (settings.SingleNode)
            {
                await seeds.EnterAsync(settings.NodeName, cluster.SelfAddress.ToString(), keepPlace: false, settings.GoneAfter, overall.Token)
                    .ConfigureAwait(false);
                logger.LogInformation("Node {Node} forms a cluster of one at {Address} (single-node storage)", settings.NodeName, cluster.SelfAddress);
                cluster.Join(cluster.SelfAddress);
            }
            else
            {
                await JoinThroughStorageAsync(system, cluster, seeds, settings, up.Task, logger, overall.Token).ConfigureAwait(false);
            }
            await up.Task.WaitAsync(overall.Token).ConfigureAwait(false);
            logger.LogInformation("Node {Node} is Up at {Address}", settings.NodeName, cluster.SelfAddress);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ClusterJoinException(
                $"Node {settings.NodeName} at {cluster.SelfAddress} did not become an Up cluster member within {settings.JoinTimeout} " +
                $"(Pipeline:Cluster:JoinTimeout); its status is {cluster.SelfMember.Status}. Check that the other nodes' cluster " +
                "addresses (Pipeline:Cluster:Hostname, Port) are reachable from this node.");
        }
    }

    private static async Task JoinConfiguredSeedsAsync(AkkaCluster cluster, IClusterSeeds seeds, ClusterJoinSettings settings,
        ILogger logger, CancellationToken ct)
    {
        var configured = settings.SeedNodes.Select(Address.Parse).ToList();
        // Recorded for the cluster view only: the configured seeds decide whom to join.
        await seeds.EnterAsync(settings.NodeName, cluster.SelfAddress.ToString(), keepPlace: false, settings.GoneAfter, ct).ConfigureAwait(false);
        logger.LogInformation("Node {Node} joins the configured seed nodes {Seeds}", settings.NodeName, string.Join(", ", configured));
        cluster.JoinSeedNodes(configured);
    }

    private static async Task JoinThroughStorageAsync(ActorSystem system, AkkaCluster cluster, IClusterSeeds seeds,
        ClusterJoinSettings settings, Task up, ILogger logger, CancellationToken ct)
    {
        var self = cluster.SelfAddress;
        var dead = new HashSet<Address>();
        var keepPlace = false;
        while (!up.IsCompleted)
        {
            IReadOnlyList<Address> ahead = [];
            if (!IsMember(cluster))
            {
                ahead = (await seeds.EnterAsync(settings.NodeName, self.ToString(), keepPlace, settings.GoneAfter, ct).ConfigureAwait(false))
                    .Select(Address.Parse)
                    .Where(a => !a.Equals(self) && !dead.Contains(a))
                    .ToList();
                keepPlace = true;
                if (ahead.Count == 0)
                {
                    logger.LogInformation("Node {Node} forms a new cluster at {Address}: no live node is ahead of it", settings.NodeName, self);
                    cluster.Join(self);
                }
                else
                {
                    logger.LogInformation("Node {Node} at {Address} joins the live nodes {Seeds}", settings.NodeName, self, string.Join(", ", ahead));
                    cluster.JoinSeedNodes(ahead);
                }
            }

            await Task.WhenAny(up, Task.Delay(settings.AttemptTimeout, ct)).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            if (!up.IsCompleted && !IsMember(cluster) && ahead.Count > 0)
            {
                var silent = await SeedProbe.SilentAsync(system, ahead, settings.ProbeTimeout).ConfigureAwait(false);
                dead.UnionWith(silent);
                logger.LogWarning("Node {Node} was not let in within {Timeout}; seeds that did not answer and are skipped from now on: {Dead}",
                    settings.NodeName, settings.AttemptTimeout, silent.Count == 0 ? "none" : string.Join(", ", silent));
            }
        }
    }

    /// <summary>Let in by a cluster (Joining, WeaklyUp or Up): from then on Akka ignores any other join.</summary>
    private static bool IsMember(AkkaCluster cluster) => cluster.SelfMember.Status != MemberStatus.Removed;
}
