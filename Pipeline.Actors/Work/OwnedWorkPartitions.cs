namespace Pipeline.Actors.Work;

/// <summary>
/// The work partitions this node owns right now, kept by the <see cref="WorkPartitionOwner"/> actors that cluster
/// sharding places on it (one per partition, cluster-wide), read by the pipelines' sources before each claim.
/// </summary>
public sealed class OwnedWorkPartitions
{
    private WorkPartitions _current;

    public OwnedWorkPartitions(int count)
    {
        _current = new WorkPartitions(count, []);
    }

    /// <summary>Partitions in all (fixed, as the shard count).</summary>
    public int Count => _current.Count;

    /// <summary>What a claim may take at this moment; made when ownership changes, not on every claim.</summary>
    public WorkPartitions Current => Volatile.Read(ref _current);

    internal void Add(int partition) => Change(owned => owned.Append(partition));

    internal void Remove(int partition) => Change(owned => owned.Where(p => p != partition));

    private void Change(Func<IEnumerable<int>, IEnumerable<int>> change)
    {
        WorkPartitions seen, next;
        do
        {
            seen = Volatile.Read(ref _current);
            next = new WorkPartitions(seen.Count, [.. change(seen.Owned)]);
        }
        while (Interlocked.CompareExchange(ref _current, next, seen) != seen);
    }
}
