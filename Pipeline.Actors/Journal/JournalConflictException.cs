namespace Pipeline.Actors.Journal;

/// <summary>
/// Another writer appended to the entity after the expected sequence number; nothing of the
/// failed append was written.
/// </summary>
public sealed class JournalConflictException(string entityId)
    : Exception($"Another writer appended to '{entityId}' first.")
{
    /// <summary>The entity that conflicted, or "*" when one transaction held several and the storage cannot tell which.</summary>
    public string EntityId { get; } = entityId;
}
