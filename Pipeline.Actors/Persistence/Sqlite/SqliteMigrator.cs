namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>Applies the embedded SQLite scripts inside one IMMEDIATE transaction, so a second process waits and then finds nothing to do.</summary>
internal sealed class SqliteMigrator(SqliteConnectionFactory connections) : ISchemaMigrator
{
    private static readonly IReadOnlyList<MigrationScript> Scripts = MigrationScript.Load("Persistence.Sqlite.Migrations");

    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await connections.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = connection.BeginTransaction(deferred: false);
            await using (var create = connection.CreateCommand())
            {
                create.CommandText = "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var applied = new HashSet<int>();
            await using (var read = connection.CreateCommand())
            {
                read.CommandText = "SELECT version FROM schema_migrations";
                await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    applied.Add(reader.GetInt32(0));
                }
            }

            var now = new List<int>();
            foreach (var script in Scripts.Where(s => !applied.Contains(s.Version)))
            {
                await using var apply = connection.CreateCommand();
                apply.CommandText = script.Sql;
                await apply.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await using var record = connection.CreateCommand();
                record.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($v, $n, $at)";
                record.Parameters.AddWithValue("$v", script.Version);
                record.Parameters.AddWithValue("$n", script.Name);
                record.Parameters.AddWithValue("$at", SqliteTime.Format(DateTimeOffset.UtcNow));
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                now.Add(script.Version);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return now;
        }
        finally
        {
            connections.WriteGate.Release();
        }
    }

    /// <remarks>The plugin's own SQLite index has this name, so where it exists this changes nothing.</remarks>
    public async Task<bool> EnsureJournalKeyAsync(CancellationToken cancellationToken = default)
    {
        await connections.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var exists = connection.CreateCommand();
            exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'event_journal'";
            if ((long)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 0)
            {
                return false;
            }
            await using var create = connection.CreateCommand();
            create.CommandText = "CREATE UNIQUE INDEX IF NOT EXISTS event_journal_uq ON event_journal (persistence_id, sequence_number)";
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            connections.WriteGate.Release();
        }
    }
}
