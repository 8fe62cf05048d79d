namespace Pipeline.Actors.Work;

/// <summary>
/// The share of the work queues a claim may take: the items whose id modulo <see cref="Count"/> is one of
/// <see cref="Owned"/>, and any item whose lease ran out. Each node claims the partitions it owns
/// (<see cref="OwnedWorkPartitions"/>), so nodes do not compete for the same rows and a partition has one owner in the
/// cluster at a time.
/// </summary>
/// <remarks>
/// Ownership moves (a node leaves, dies or joins) while items are claimed: the item's lease, not the partition, is what
/// keeps two nodes from working on it at once. A lease that ran out means its holder stopped renewing it (it died or is
/// frozen), so any node may take that item at once, without waiting for the holder's partitions to be placed elsewhere.
/// </remarks>
public sealed class WorkPartitions
{
    /// <summary>Every item: one partition, owned.</summary>
    public static readonly WorkPartitions All = new(1, [0]);

    public WorkPartitions(int count, IReadOnlyList<int> owned)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (owned.Any(p => p < 0 || p >= count))
        {
            throw new ArgumentOutOfRangeException(nameof(owned), $"Partitions are numbered 0..{count - 1}.");
        }
        Count = count;
        Owned = [.. owned.Distinct().Order()];
    }

    /// <summary>Partitions in all; it never changes while any node runs (an item's partition is its id modulo this).</summary>
    public int Count { get; }

    /// <summary>The partitions this claim takes, in order, each once.</summary>
    public IReadOnlyList<int> Owned { get; }

    public override string ToString() => $"{Owned.Count}/{Count} [{string.Join(',', Owned)}]";
}
