using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.Options;
using Pipeline.Actors.Cluster;
using Pipeline.Host.Configuration;

namespace Pipeline.Host.Cluster;

/// <summary>
/// The cluster as an operator sees it: every node of the node table (so a node that died or left is still listed, as
/// gone), joined by its recorded cluster address to Akka's membership as this node sees it, with the shards it hosts.
/// </summary>
internal sealed class ClusterView(INodeRegistry nodes, ActorSystem system, ShardDistribution shards, IOptions<NodeOptions> options)
{
    /// <summary>The actor system whose membership this view shows, for acting on it.</summary>
    public ActorSystem System => system;

    public async Task<IReadOnlyList<ClusterNode>> ReadAsync(CancellationToken cancellationToken)
    {
        var state = Akka.Cluster.Cluster.Get(system).State;
        // With a member unreachable the coordinators' count waits for its region and then gives up: not asked, the view
        // answers at once while an operator needs it most.
        var counting = state.Unreachable.Count > 0
            ? Task.FromResult<IReadOnlyDictionary<Address, NodeShards>?>(null)
            : shards.ReadAsync(state.Members.Select(m => m.Address), cancellationToken);
        var rows = await nodes.ListAsync(options.Value.GoneAfter, cancellationToken);
        var counts = await counting;
        return rows.Select(row => Join(row, state, counts)).ToList();
    }

    /// <summary>The node named <paramref name="name"/> (null when the table has no such node), with its member if it has one.</summary>
    public async Task<ClusterNode?> FindAsync(string name, CancellationToken cancellationToken)
    {
        var row = (await nodes.ListAsync(options.Value.GoneAfter, cancellationToken)).FirstOrDefault(n => n.Name == name);
        if (row is null)
        {
            return null;
        }
        return Join(row, Akka.Cluster.Cluster.Get(system).State, counts: null);
    }

    private static ClusterNode Join(NodeRecord row, ClusterEvent.CurrentClusterState state, IReadOnlyDictionary<Address, NodeShards>? counts)
    {
        var member = MemberOf(row, state);
        return new ClusterNode(
            row,
            member,
            Reachable: member is not null && !state.Unreachable.Contains(member),
            Leader: member is not null && member.Address.Equals(state.Leader),
            Shards: member is null ? null : counts?.GetValueOrDefault(member.Address));
    }

    /// <summary>
    /// The member at the node's recorded address. A node restarted on a fixed port has a new incarnation at the old
    /// address: while the old one is still listed as down, the live one is the node.
    /// </summary>
    private static Member? MemberOf(NodeRecord row, ClusterEvent.CurrentClusterState state) =>
        row.ClusterAddress is null
            ? null
            : state.Members.Where(m => m.Address.ToString() == row.ClusterAddress)
                .OrderBy(m => m.Status is MemberStatus.Down or MemberStatus.Removed)
                .FirstOrDefault();
}
