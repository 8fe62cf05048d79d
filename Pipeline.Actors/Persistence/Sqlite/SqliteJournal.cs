using Microsoft.Data.Sqlite;
using Pipeline.Actors.Journal;
using Pipeline.Actors.Work;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>
/// Appends in one IMMEDIATE transaction under the write gate: events, outbox messages with their work items
/// (<see cref="OutboxRoutes"/>), and read-side rows.
/// </summary>
/// <param name="time">The clock of the work items' times (unix milliseconds, as <see cref="SqliteWorkQueue"/> reads them).</param>
internal sealed class SqliteJournal(SqliteConnectionFactory connections, TimeProvider time) : IJournal
{
    private const int SqliteConstraintPrimaryKey = 1555;

    public async Task AppendAsync(IReadOnlyList<AppendRequest> requests, CancellationToken cancellationToken = default)
    {
        if (requests.Count == 0)
        {
            return;
        }

        await connections.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = connection.BeginTransaction(deferred: false);
            await using var insertEvent = Prepare(connection, transaction,
                "INSERT INTO journal (entity_id, seq, type, payload, written_at) VALUES ($entity_id, $seq, $type, $payload, $written_at)",
                "$entity_id", "$seq", "$type", "$payload", "$written_at");
            await using var insertOutbox = Prepare(connection, transaction,
                "INSERT INTO outbox (id, type, entity_id, data, created_at) VALUES ($id, $type, $entity_id, $data, $created_at)",
                "$id", "$type", "$entity_id", "$data", "$created_at");
            await using var insertWork = Prepare(connection, transaction,
                "INSERT INTO work_items (queue, message_id, next_attempt_at, created_at, updated_at) VALUES ($queue, $message_id, $now, $now, $now)",
                "$queue", "$message_id", "$now");
            insertWork.Parameters["$now"].Value = time.GetUtcNow().ToUnixTimeMilliseconds();

            try
            {
                foreach (var request in requests)
                {
                    await InsertEventsAsync(insertEvent, request, cancellationToken).ConfigureAwait(false);
                    foreach (var message in request.Outbox)
                    {
                        insertOutbox.Parameters["$id"].Value = message.Id;
                        insertOutbox.Parameters["$type"].Value = message.Type;
                        insertOutbox.Parameters["$entity_id"].Value = message.EntityId;
                        insertOutbox.Parameters["$data"].Value = message.Data;
                        insertOutbox.Parameters["$created_at"].Value = SqliteTime.Format(message.CreatedAt);
                        await insertOutbox.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        foreach (var queue in OutboxRoutes.QueuesFor(message.Type))
                        {
                            insertWork.Parameters["$queue"].Value = queue;
                            insertWork.Parameters["$message_id"].Value = message.Id;
                            await insertWork.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
                await SqliteViewWriter.WriteAsync(connection, transaction, requests.SelectMany(r => r.Views), cancellationToken).ConfigureAwait(false);
            }
            catch (SqliteException ex) when (SqliteConstraints.IsUniqueViolation(ex))
            {
                // Only outbox, work and view rows get here: a journal key clash became a JournalConflictException above.
                // The transaction is rolled back when disposed uncommitted.
                throw new JournalConstraintException(SqliteConstraints.Name(ex), ex);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            connections.WriteGate.Release();
        }
    }

    private static async Task InsertEventsAsync(SqliteCommand insert, AppendRequest request, CancellationToken ct)
    {
        try
        {
            foreach (var e in request.Events)
            {
                insert.Parameters["$entity_id"].Value = request.EntityId;
                insert.Parameters["$seq"].Value = e.Seq;
                insert.Parameters["$type"].Value = e.Type;
                insert.Parameters["$payload"].Value = e.Payload;
                insert.Parameters["$written_at"].Value = SqliteTime.Format(e.WrittenAt);
                await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
        }
        catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == SqliteConstraintPrimaryKey)
        {
            // The transaction is rolled back when disposed uncommitted: nothing of this append stays.
            throw new JournalConflictException(request.EntityId);
        }
    }

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<JournalEvent>>> ReadAsync(
        IReadOnlyCollection<(string EntityId, long AfterSeq)> entities, CancellationToken cancellationToken = default)
    {
        var result = new Dictionary<string, IReadOnlyList<JournalEvent>>(StringComparer.Ordinal);
        await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        // One snapshot for all entities, and one prepared statement run per entity: in-process, that beats a huge IN list.
        await using var transaction = connection.BeginTransaction(deferred: true);
        await using var select = Prepare(connection, transaction,
            "SELECT seq, type, payload, written_at FROM journal WHERE entity_id = $entity_id AND seq > $after ORDER BY seq",
            "$entity_id", "$after");
        foreach (var (entityId, afterSeq) in entities)
        {
            select.Parameters["$entity_id"].Value = entityId;
            select.Parameters["$after"].Value = afterSeq;
            List<JournalEvent>? events = null;
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                (events ??= []).Add(new JournalEvent(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), SqliteTime.Parse(reader.GetString(3))));
            }
            if (events is not null)
            {
                result[entityId] = events;
            }
        }
        return result;
    }

    public async Task<IReadOnlyList<(long Position, OutboxMessage Message)>> ReadOutboxAsync(
        long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT position, id, type, entity_id, data, created_at FROM outbox WHERE position > $after ORDER BY position LIMIT $limit";
        select.Parameters.AddWithValue("$after", afterPosition);
        select.Parameters.AddWithValue("$limit", limit);
        var messages = new List<(long, OutboxMessage)>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            messages.Add((reader.GetInt64(0), new OutboxMessage(
                reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), SqliteTime.Parse(reader.GetString(5)))));
        }
        return messages;
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter(name, null));
        }
        return command;
    }
}
