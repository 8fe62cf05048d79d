namespace Pipeline.Actors.Journal;

/// <summary>
/// The event journal: the only source of truth for entity state. Implementations: SQLite and PostgreSQL.
/// </summary>
public interface IJournal
{
    /// <summary>
    /// Appends every request in one transaction: all of them become durable, or none does.
    /// Throws <see cref="JournalConflictException"/> when any entity's journal has moved past its expected sequence.
    /// </summary>
    Task AppendAsync(IReadOnlyList<AppendRequest> requests, CancellationToken cancellationToken = default);

    /// <summary>Events of each entity with a sequence number above the given one, in order.</summary>
    Task<IReadOnlyDictionary<string, IReadOnlyList<JournalEvent>>> ReadAsync(
        IReadOnlyCollection<(string EntityId, long AfterSeq)> entities, CancellationToken cancellationToken = default);

    /// <summary>Outbox messages in write order after <paramref name="afterPosition"/> (for tests and the pipelines).</summary>
    Task<IReadOnlyList<(long Position, OutboxMessage Message)>> ReadOutboxAsync(
        long afterPosition, int limit, CancellationToken cancellationToken = default);
}
