namespace Pipeline.Actors.Journal;

/// <summary>
/// Events for one entity to append after <see cref="ExpectedSeq"/>, plus the outbox messages and
/// read-side rows that must become visible in the same transaction.
/// </summary>
/// <param name="Views">Read-side rows (for example a <c>BatchView</c>) that the storage upserts.</param>
public sealed record AppendRequest(
    string EntityId,
    long ExpectedSeq,
    IReadOnlyList<JournalEvent> Events,
    IReadOnlyList<OutboxMessage> Outbox,
    IReadOnlyList<object> Views)
{
    public long NextSeq => ExpectedSeq + Events.Count;
}
