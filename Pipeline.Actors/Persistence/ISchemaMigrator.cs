namespace Pipeline.Actors.Persistence;

/// <summary>Brings the storage schema to the newest version; safe to run from several nodes at once.</summary>
public interface ISchemaMigrator
{
    /// <returns>The versions this call applied (empty when the schema was current).</returns>
    Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives Akka.Persistence.Sql's <c>event_journal</c>, once its plugin has created it, the unique key on
    /// (persistence_id, sequence_number) if it lacks it: the index every recovery and history read looks up, and what
    /// refuses a second writer of one entity. The plugin means to add it after creating the table, but on PostgreSQL
    /// the journal came up without it: every recovery scanned the whole journal.
    /// </summary>
    /// <returns>False when the journal table does not exist yet (nothing was done).</returns>
    Task<bool> EnsureJournalKeyAsync(CancellationToken cancellationToken = default);
}
