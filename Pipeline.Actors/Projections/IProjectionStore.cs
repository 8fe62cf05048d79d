using Pipeline.Actors.Outbox;

namespace Pipeline.Actors.Projections;

/// <summary>
/// What the journal projection reads and writes: Akka.Persistence.Sql's journal in position order, and the read side,
/// the outbox and the projection's checkpoint, written together in one transaction.
/// </summary>
public interface IProjectionStore
{
    /// <summary>Journal rows after <paramref name="afterOrdering"/> in position order, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<JournalRow>> ReadAfterAsync(long afterOrdering, int limit, CancellationToken cancellationToken = default);

    /// <summary>The rows at these positions that exist now (gaps being re-read).</summary>
    Task<IReadOnlyList<JournalRow>> ReadAtAsync(IReadOnlyCollection<long> orderings, CancellationToken cancellationToken = default);

    /// <summary>
    /// The events of each entity within its range, ordered by persistence id then sequence number: one query for a whole
    /// page's entities whose copies the projection no longer holds.
    /// </summary>
    Task<IReadOnlyList<JournalRow>> ReadHistoriesAsync(IReadOnlyCollection<EntityHistory> histories, CancellationToken cancellationToken = default);

    /// <summary>The journal's highest position (0 when empty): with the checkpoint, the projection's lag.</summary>
    Task<long> HighestOrderingAsync(CancellationToken cancellationToken = default);

    Task<ProjectionCheckpoint> LoadCheckpointAsync(string projection, CancellationToken cancellationToken = default);

    /// <summary>
    /// In one transaction: upserts the read-side rows, adds each outbox message not already there with its work items
    /// (a message seen again adds nothing), and stores the checkpoint.
    /// </summary>
    Task ApplyAsync(string projection, IReadOnlyList<object> views, IReadOnlyList<OutboxMessage> outbox,
        ProjectionCheckpoint checkpoint, CancellationToken cancellationToken = default);
}
