using System.Collections.Immutable;

namespace Pipeline.Actors.Work;

/// <summary>
/// The work partitions this node owns right now, kept by the <see cref="WorkPartitionOwner"/> actors that cluster
/// sharding places on it (one per partition, cluster-wide), read by the pipelines' sources before each claim.
/// </summary>
public sealed class OwnedWorkPartitions(int count)
{
    private ImmutableSortedSet<int> _owned = [];

    /// <summary>Partitions in all (fixed, as the shard count).</summary>
    public int Count { get; } = count > 0 ? count : throw new ArgumentOutOfRangeException(nameof(count));

    /// <summary>What a claim may take at this moment.</summary>
    public WorkPartitions Current => new(Count, _owned);

    internal void Add(int partition) => ImmutableInterlocked.Update(ref _owned, static (set, p) => set.Add(p), partition);

    internal void Remove(int partition) => ImmutableInterlocked.Update(ref _owned, static (set, p) => set.Remove(p), partition);
}
