namespace Pipeline.Actors.Outbox;

/// <summary>
/// The outbox as written, in position order: the journal projection writes it (<see cref="Projections.IProjectionStore"/>),
/// the work queues deliver it, and this reads it back (for tests and operators).
/// </summary>
public interface IOutboxReader
{
    /// <summary>At most <paramref name="limit"/> messages after <paramref name="afterPosition"/>, in write order.</summary>
    Task<IReadOnlyList<(long Position, OutboxMessage Message)>> ReadAfterAsync(
        long afterPosition, int limit, CancellationToken cancellationToken = default);
}
