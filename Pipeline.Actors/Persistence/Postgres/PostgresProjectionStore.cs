using Npgsql;
using Pipeline.Actors.Outbox;
using Pipeline.Actors.Projections;
using Pipeline.Actors.Work;

namespace Pipeline.Actors.Persistence.Postgres;

/// <summary>The journal projection's reads of <c>event_journal</c> and its one-round-trip write of rows, outbox and checkpoint.</summary>
internal sealed class PostgresProjectionStore(NpgsqlDataSource dataSource) : IProjectionStore
{
    private const string Columns = "ordering, persistence_id, sequence_number, identifier, manifest, message";
    private const string JoinedColumns = "j.ordering, j.persistence_id, j.sequence_number, j.identifier, j.manifest, j.message";

    public Task<IReadOnlyList<JournalRow>> ReadAfterAsync(long afterOrdering, int limit, CancellationToken cancellationToken = default) =>
        ReadAsync($"SELECT {Columns} FROM event_journal WHERE ordering > $1 ORDER BY ordering LIMIT $2", cancellationToken,
            new NpgsqlParameter<long> { TypedValue = afterOrdering }, new NpgsqlParameter<int> { TypedValue = limit });

    public Task<IReadOnlyList<JournalRow>> ReadAtAsync(IReadOnlyCollection<long> orderings, CancellationToken cancellationToken = default) =>
        ReadAsync($"SELECT {Columns} FROM event_journal WHERE ordering = ANY($1) ORDER BY ordering", cancellationToken,
            PostgresBatchCommands.Array(orderings));

    /// <summary>
    /// The events of each history ($1 persistence ids, $2 first and $3 last sequence numbers), each history read by its
    /// own lookup of the journal's (persistence_id, sequence_number) index: the lateral subquery's <c>OFFSET 0</c> keeps
    /// the planner from making the lookups one join. As a join it hashed the whole journal against the histories while
    /// the table had no statistics (a fresh database under load, before autovacuum's first ANALYZE, when the planner takes
    /// 200 distinct entities for granted): 97 ms for 300 histories over 100,000 events, 6 ms as lookups.
    /// </summary>
    internal const string ReadHistoriesSql = $"""
        SELECT {JoinedColumns}
          FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS w(persistence_id, from_seq, to_seq)
         CROSS JOIN LATERAL (
               SELECT {Columns} FROM event_journal
                WHERE persistence_id = w.persistence_id AND sequence_number BETWEEN w.from_seq AND w.to_seq
               OFFSET 0) j
         ORDER BY j.persistence_id, j.sequence_number
        """;

    public Task<IReadOnlyList<JournalRow>> ReadHistoriesAsync(IReadOnlyCollection<EntityHistory> histories, CancellationToken cancellationToken = default) =>
        histories.Count == 0
            ? Task.FromResult<IReadOnlyList<JournalRow>>([])
            : ReadAsync(ReadHistoriesSql, cancellationToken,
                PostgresBatchCommands.Array(histories.Select(h => h.PersistenceId)),
                PostgresBatchCommands.Array(histories.Select(h => h.FromSeq)),
                PostgresBatchCommands.Array(histories.Select(h => h.ToSeq)));

    public async Task<long> HighestOrderingAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT COALESCE(MAX(ordering), 0) FROM event_journal");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<ProjectionCheckpoint> LoadCheckpointAsync(string projection, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT ordering, gaps::text FROM projection_checkpoints WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new ProjectionCheckpoint(reader.GetInt64(0), ProjectionGapsJson.Read(reader.GetString(1)))
            : ProjectionCheckpoint.Start;
    }

    public async Task ApplyAsync(string projection, IReadOnlyList<object> views, IReadOnlyList<OutboxMessage> outbox,
        ProjectionCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        // The views first: the page's endpoint changes are in place before its messages are fanned out to them.
        PostgresViewWriter.AddTo(batch, views);
        if (outbox.Count > 0)
        {
            var routes = outbox.Select(m => m.Type).Distinct()
                .SelectMany(type => OutboxRoutes.QueuesFor(type).Select(queue => (Type: type, Queue: queue))).ToList();
            // Only messages not stored before get work items: a message applied again (after a crash) adds nothing. Each
            // gets its queues' items and one delivery per live endpoint subscribed to its type, read FOR SHARE as the
            // fan-out of older items reads them (IWebhookStore.FanOutAsync): a concurrent delete waits, then kills these too.
            batch.BatchCommands.Add(PostgresBatchCommands.Command("""
                WITH added AS (
                    INSERT INTO outbox (id, type, entity_id, data, created_at)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::timestamptz[])
                    ON CONFLICT (id) DO NOTHING
                    RETURNING id, type),
                routed AS (
                    INSERT INTO work_items (queue, message_id)
                    SELECT r.queue, a.id FROM added a JOIN unnest($6::text[], $7::text[]) AS r(type, queue) ON r.type = a.type),
                live AS (
                    SELECT e.id, e.events FROM webhook_endpoints e WHERE e.deleted_at IS NULL FOR SHARE)
                INSERT INTO work_items (queue, message_id, target)
                SELECT 'deliveries', a.id, l.id FROM added a JOIN live l ON a.type = ANY (l.events)
                """,
                PostgresBatchCommands.Array(outbox.Select(m => m.Id)),
                PostgresBatchCommands.Array(outbox.Select(m => m.Type)),
                PostgresBatchCommands.Array(outbox.Select(m => m.EntityId)),
                PostgresBatchCommands.Jsonb(outbox.Select(m => m.Data)),
                PostgresBatchCommands.Array(outbox.Select(m => m.CreatedAt.ToUniversalTime())),
                PostgresBatchCommands.Array(routes.Select(r => r.Type)),
                PostgresBatchCommands.Array(routes.Select(r => r.Queue))));
        }
        batch.BatchCommands.Add(PostgresBatchCommands.Command("""
            INSERT INTO projection_checkpoints (name, ordering, gaps, updated_at) VALUES ($1, $2, $3::jsonb, now())
            ON CONFLICT (name) DO UPDATE SET ordering = excluded.ordering, gaps = excluded.gaps, updated_at = excluded.updated_at
            """,
            new NpgsqlParameter<string> { TypedValue = projection },
            new NpgsqlParameter<long> { TypedValue = checkpoint.Ordering },
            new NpgsqlParameter<string> { TypedValue = ProjectionGapsJson.Write(checkpoint.Gaps) }));
        // One batch is one implicit transaction.
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<JournalRow>> ReadAsync(string sql, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters);
        var rows = new List<JournalRow>();
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            rows.Add(new JournalRow(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3),
                reader.IsDBNull(4) ? "" : reader.GetString(4), reader.GetFieldValue<byte[]>(5)));
        }
        return rows;
    }
}
