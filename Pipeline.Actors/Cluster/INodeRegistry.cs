namespace Pipeline.Actors.Cluster;

/// <summary>
/// The nodes sharing one storage, as each one last reported itself: a node joins when it starts, beats every few
/// seconds with what it runs, and leaves on a graceful shutdown. A node that stops beating without leaving (killed,
/// partitioned) is <see cref="NodeStatus.Gone"/> once its last beat is older than the caller's horizon. Times are the
/// database's clock where the storage has one shared by nodes (PostgreSQL), so skewed node clocks still agree.
/// </summary>
public interface INodeRegistry
{
    /// <summary>Records a (re)started node: its start time is now, and a stop recorded earlier is forgotten.</summary>
    Task JoinAsync(NodeHeartbeat node, CancellationToken cancellationToken = default);

    /// <summary>Records a beat: the node is alive now and runs what <paramref name="node"/> says. Joins it if it was never seen.</summary>
    Task HeartbeatAsync(NodeHeartbeat node, CancellationToken cancellationToken = default);

    /// <summary>Records a graceful stop: the node is gone at once, whatever its last beat. False when the node is unknown.</summary>
    Task<bool> LeaveAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Every node ever seen, by name; <see cref="NodeStatus.Gone"/> when it left or its last beat is older than <paramref name="goneAfter"/>.</summary>
    Task<IReadOnlyList<NodeRecord>> ListAsync(TimeSpan goneAfter, CancellationToken cancellationToken = default);
}
