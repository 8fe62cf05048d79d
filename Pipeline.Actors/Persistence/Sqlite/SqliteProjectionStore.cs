using Microsoft.Data.Sqlite;
using Pipeline.Actors.Outbox;
using Pipeline.Actors.Projections;
using Pipeline.Actors.Work;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>The journal projection's reads of <c>event_journal</c> and its one-transaction write of rows, outbox and checkpoint.</summary>
internal sealed class SqliteProjectionStore(SqliteConnectionFactory connections, TimeProvider time) : IProjectionStore
{
    private const string Columns = "ordering, persistence_id, sequence_number, identifier, manifest, message";

    public Task<IReadOnlyList<JournalRow>> ReadAfterAsync(long afterOrdering, int limit, CancellationToken cancellationToken = default) =>
        ReadAsync($"SELECT {Columns} FROM event_journal WHERE ordering > $after ORDER BY ordering LIMIT $limit", cancellationToken,
            ("$after", afterOrdering), ("$limit", limit));

    public async Task<IReadOnlyList<JournalRow>> ReadAtAsync(IReadOnlyCollection<long> orderings, CancellationToken cancellationToken = default)
    {
        var rows = new List<JournalRow>();
        // One writer commits in position order here, so gaps are rare (a rolled-back write): one lookup each is fine.
        foreach (var ordering in orderings)
        {
            rows.AddRange(await ReadAsync($"SELECT {Columns} FROM event_journal WHERE ordering = $ordering", cancellationToken,
                ("$ordering", ordering)).ConfigureAwait(false));
        }
        return rows;
    }

    public async Task<IReadOnlyList<JournalRow>> ReadHistoriesAsync(IReadOnlyCollection<EntityHistory> histories, CancellationToken cancellationToken = default)
    {
        var rows = new List<JournalRow>();
        // In-process reads cost no round trip: one indexed lookup per entity is as cheap as a joined query.
        foreach (var history in histories.OrderBy(h => h.PersistenceId, StringComparer.Ordinal))
        {
            rows.AddRange(await ReadAsync(
                $"SELECT {Columns} FROM event_journal WHERE persistence_id = $id AND sequence_number BETWEEN $from AND $to ORDER BY sequence_number",
                cancellationToken, ("$id", history.PersistenceId), ("$from", history.FromSeq), ("$to", history.ToSeq)).ConfigureAwait(false));
        }
        return rows;
    }

    public async Task<long> HighestOrderingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(ordering), 0) FROM event_journal";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<ProjectionCheckpoint> LoadCheckpointAsync(string projection, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT ordering, gaps FROM projection_checkpoints WHERE name = $name";
        command.Parameters.AddWithValue("$name", projection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new ProjectionCheckpoint(reader.GetInt64(0), ProjectionGapsJson.Read(reader.GetString(1)))
            : ProjectionCheckpoint.Start;
    }

    public async Task ApplyAsync(string projection, IReadOnlyList<object> views, IReadOnlyList<OutboxMessage> outbox,
        ProjectionCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        await connections.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = connection.BeginTransaction(deferred: false);
            var now = time.GetUtcNow();
            // The views first: the page's endpoint changes are in place before its messages are fanned out to them.
            await SqliteViewWriter.WriteAsync(connection, transaction, views, cancellationToken).ConfigureAwait(false);
            var added = new List<(string MessageId, string Type)>(outbox.Count);
            foreach (var message in outbox)
            {
                await using var insert = Command(connection, transaction,
                    "INSERT OR IGNORE INTO outbox (id, type, entity_id, data, created_at) VALUES ($id, $type, $entity_id, $data, $created_at)");
                insert.Parameters.AddWithValue("$id", message.Id);
                insert.Parameters.AddWithValue("$type", message.Type);
                insert.Parameters.AddWithValue("$entity_id", message.EntityId);
                insert.Parameters.AddWithValue("$data", message.Data);
                insert.Parameters.AddWithValue("$created_at", SqliteTime.Format(message.CreatedAt));
                if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    continue; // applied before (a poll repeated after a crash): its work items exist
                }
                added.Add((message.Id, message.Type));
                foreach (var queue in OutboxRoutes.QueuesFor(message.Type))
                {
                    await using var work = Command(connection, transaction,
                        "INSERT INTO work_items (queue, message_id, next_attempt_at, created_at, updated_at) VALUES ($queue, $message_id, $now, $now, $now)");
                    work.Parameters.AddWithValue("$queue", queue);
                    work.Parameters.AddWithValue("$message_id", message.Id);
                    work.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                    await work.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            if (added.Count > 0)
            {
                await SqliteWebhookStore.AddDeliveriesAsync(connection, transaction, added, now.ToUnixTimeMilliseconds(), cancellationToken)
                    .ConfigureAwait(false);
            }
            await using (var save = Command(connection, transaction, """
                INSERT INTO projection_checkpoints (name, ordering, gaps, updated_at) VALUES ($name, $ordering, $gaps, $now)
                ON CONFLICT (name) DO UPDATE SET ordering = excluded.ordering, gaps = excluded.gaps, updated_at = excluded.updated_at
                """))
            {
                save.Parameters.AddWithValue("$name", projection);
                save.Parameters.AddWithValue("$ordering", checkpoint.Ordering);
                save.Parameters.AddWithValue("$gaps", ProjectionGapsJson.Write(checkpoint.Gaps));
                save.Parameters.AddWithValue("$now", SqliteTime.Format(now));
                await save.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            connections.WriteGate.Release();
        }
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private async Task<IReadOnlyList<JournalRow>> ReadAsync(string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var connection = await connections.OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        var rows = new List<JournalRow>();
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            rows.Add(new JournalRow(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3),
                reader.IsDBNull(4) ? "" : reader.GetString(4), (byte[])reader.GetValue(5)));
        }
        return rows;
    }
}
