using Npgsql;
using NpgsqlTypes;
using Pipeline.Actors.Journal;
using Pipeline.Actors.Work;

namespace Pipeline.Actors.Persistence.Postgres;

/// <summary>
/// Appends with one round trip: the journal rows, outbox rows with their work items (<see cref="OutboxRoutes"/>) and
/// read-side rows of every request go as array parameters in one <see cref="NpgsqlBatch"/>, which PostgreSQL runs as
/// one implicit transaction.
/// </summary>
internal sealed class PostgresJournal(NpgsqlDataSource dataSource) : IJournal
{
    private const string UniqueViolation = "23505";
    private const string JournalKey = "journal_pkey";

    public async Task AppendAsync(IReadOnlyList<AppendRequest> requests, CancellationToken cancellationToken = default)
    {
        if (requests.Count == 0)
        {
            return;
        }

        // Rows in one global order (entity, seq): two nodes committing the same entities listed in different orders
        // would otherwise wait on each other's rows, and PostgreSQL would abort one with a deadlock instead of a conflict.
        var events = requests.SelectMany(r => r.Events.Select(e => (r.EntityId, Event: e)))
            .OrderBy(e => e.EntityId, StringComparer.Ordinal).ThenBy(e => e.Event.Seq).ToList();
        var outbox = requests.SelectMany(r => r.Outbox).ToList();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Command(
            "INSERT INTO journal (entity_id, seq, type, payload, written_at) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::jsonb[], $5::timestamptz[])",
            Array(events.Select(e => e.EntityId)),
            Array(events.Select(e => e.Event.Seq)),
            Array(events.Select(e => e.Event.Type)),
            Jsonb(events.Select(e => e.Event.Payload)),
            Array(events.Select(e => e.Event.WrittenAt.ToUniversalTime()))));
        if (outbox.Count > 0)
        {
            batch.BatchCommands.Add(Command(
                "INSERT INTO outbox (id, type, entity_id, data, created_at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::timestamptz[])",
                Array(outbox.Select(m => m.Id)),
                Array(outbox.Select(m => m.Type)),
                Array(outbox.Select(m => m.EntityId)),
                Jsonb(outbox.Select(m => m.Data)),
                Array(outbox.Select(m => m.CreatedAt.ToUniversalTime()))));
            // Pending and due at the database's now(): the columns' defaults.
            var work = outbox.SelectMany(m => OutboxRoutes.QueuesFor(m.Type).Select(queue => (Queue: queue, MessageId: m.Id))).ToList();
            batch.BatchCommands.Add(Command(
                "INSERT INTO work_items (queue, message_id) SELECT * FROM unnest($1::text[], $2::text[])",
                Array(work.Select(w => w.Queue)),
                Array(work.Select(w => w.MessageId))));
        }
        PostgresViewWriter.AddTo(batch, requests.SelectMany(r => r.Views));

        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == UniqueViolation && ex.ConstraintName == JournalKey)
        {
            throw new JournalConflictException(requests.Count == 1 ? requests[0].EntityId : "*");
        }
        catch (PostgresException ex) when (ex.SqlState == UniqueViolation)
        {
            // A read-side, outbox or work key (payments_pkey, orders_pkey, ...): the batch's implicit transaction was rolled back whole.
            throw new JournalConstraintException(ex.ConstraintName ?? ex.TableName ?? "unique", ex);
        }
    }

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<JournalEvent>>> ReadAsync(
        IReadOnlyCollection<(string EntityId, long AfterSeq)> entities, CancellationToken cancellationToken = default)
    {
        var result = new Dictionary<string, IReadOnlyList<JournalEvent>>(StringComparer.Ordinal);
        if (entities.Count == 0)
        {
            return result;
        }
        await using var command = dataSource.CreateCommand("""
            SELECT r.entity_id, j.seq, j.type, j.payload::text, j.written_at
              FROM unnest($1::text[], $2::bigint[]) AS r(entity_id, after_seq)
             CROSS JOIN LATERAL (
                   -- LATERAL makes it one index range scan per entity: a plain join on seq > after_seq let the
                   -- planner hash-join a sequential scan of the whole journal (seen under the benchmark).
                   SELECT seq, type, payload, written_at FROM journal
                    WHERE journal.entity_id = r.entity_id AND journal.seq > r.after_seq
                    ORDER BY seq) j
             ORDER BY r.entity_id, j.seq
            """);
        command.Parameters.Add(Array(entities.Select(e => e.EntityId)));
        command.Parameters.Add(Array(entities.Select(e => e.AfterSeq)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        List<JournalEvent>? current = null;
        string? currentId = null;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var entityId = reader.GetString(0);
            if (entityId != currentId)
            {
                currentId = entityId;
                result[entityId] = current = [];
            }
            current!.Add(new JournalEvent(reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }
        return result;
    }

    public async Task<IReadOnlyList<(long Position, OutboxMessage Message)>> ReadOutboxAsync(
        long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT position, id, type, entity_id, data::text, created_at FROM outbox WHERE position > $1 ORDER BY position LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterPosition });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var messages = new List<(long, OutboxMessage)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            messages.Add((reader.GetInt64(0), new OutboxMessage(
                reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5))));
        }
        return messages;
    }

    internal static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    internal static NpgsqlParameter<T[]> Array<T>(IEnumerable<T> values) => new() { TypedValue = values.ToArray() };

    internal static NpgsqlParameter Jsonb(IEnumerable<string> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb };
}
