namespace Pipeline.Actors.Cluster;

/// <summary>
/// The nodes a starting node may join, read from the storage all nodes share. Every call takes a storage-wide lock
/// (PostgreSQL: an advisory lock; SQLite: an IMMEDIATE transaction), so nodes calling at the same moment take turns and
/// each one sees the ones before it: the first of a group sees nobody and forms the cluster, the later ones join it.
/// </summary>
public interface IClusterSeeds
{
    /// <summary>
    /// Under the lock: records node <paramref name="name"/> as live (heartbeat now, not stopped) at
    /// <paramref name="clusterAddress"/>, and returns the cluster addresses of the other live nodes (beat within
    /// <paramref name="goneAfter"/>, not stopped) that are ahead of it in line, first in line first.
    /// </summary>
    /// <param name="keepPlace">
    /// False on the first call of a process: the node goes to the end of the line, as a restarted node must (it is a
    /// newcomer to the running cluster even at its old address). True when the same process asks again after a join
    /// attempt failed: it keeps its place, so the nodes behind it keep waiting for it rather than forming a cluster of
    /// their own.
    /// </param>
    Task<IReadOnlyList<string>> EnterAsync(string name, string clusterAddress, bool keepPlace, TimeSpan goneAfter,
        CancellationToken cancellationToken = default);
}
