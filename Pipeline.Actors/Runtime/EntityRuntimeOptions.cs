namespace Pipeline.Actors.Runtime;

/// <summary>Tuning of one entity type's runtime. Defaults suit a 2-core node.</summary>
public sealed record EntityRuntimeOptions
{
    /// <summary>
    /// Shards, each a single writer loop with at most one transaction in flight. Default 4, range 1..1024: fewer
    /// shards carry more commands per transaction, and on 2 cores 4 measured best (bench/README.md).
    /// </summary>
    public int ShardCount { get; init; } = 4;

    /// <summary>Commands waiting per shard before senders wait (backpressure). Default 4096.</summary>
    public int MailboxCapacity { get; init; } = 4096;

    /// <summary>Most commands one shard decides and commits in one transaction (group commit). Default 512.</summary>
    public int MaxBatchSize { get; init; } = 512;

    /// <summary>An entity unused this long is passivated (dropped from memory). Default 2 minutes.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Most entities one shard keeps in memory; the least recently used go first. Default 10,000.</summary>
    public int MaxEntitiesPerShard { get; init; } = 10_000;

    /// <summary>
    /// When several nodes share the journal: a cached entity not verified for this long reads the journal's tail
    /// (one query for all entities of a shard turn) before deciding, so it never answers from a stale copy, even
    /// for commands that write nothing. Null (default): never, right for a single node; zero: every turn.
    /// </summary>
    public TimeSpan? VerifyAfter { get; init; }

    /// <summary>
    /// How often a command that lost an append race catches up and is decided again, after a random back-off that
    /// grows to 50 ms (about 0.7 s in all at the default). Default 16; then it is refused as contention.
    /// </summary>
    public int MaxConflictRetries { get; init; } = 16;

    public void Validate()
    {
        if (ShardCount is < 1 or > 1024) throw new ArgumentOutOfRangeException(nameof(ShardCount), ShardCount, "1..1024");
        if (MailboxCapacity < 1) throw new ArgumentOutOfRangeException(nameof(MailboxCapacity), MailboxCapacity, ">= 1");
        if (MaxBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), MaxBatchSize, ">= 1");
        if (IdleTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(IdleTimeout), IdleTimeout, "> 0");
        if (MaxEntitiesPerShard < 1) throw new ArgumentOutOfRangeException(nameof(MaxEntitiesPerShard), MaxEntitiesPerShard, ">= 1");
        if (VerifyAfter < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(VerifyAfter), VerifyAfter, ">= 0 or null");
        if (MaxConflictRetries < 0) throw new ArgumentOutOfRangeException(nameof(MaxConflictRetries), MaxConflictRetries, ">= 0");
    }
}
