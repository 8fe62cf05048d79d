using Npgsql;
using Pipeline.Actors.Webhooks;
using Pipeline.Actors.Work;
using static Pipeline.Actors.Persistence.Postgres.PostgresQuery;

namespace Pipeline.Actors.Persistence.Postgres;

/// <summary>
/// Webhook endpoints and their deliveries on PostgreSQL; every time is the database's <c>now()</c>, as in the work queue.
/// A delivery's completion goes through the work queue's grouped completions (<paramref name="work"/>): one statement
/// and one commit for every completion waiting at that moment, not one each.
/// </summary>
internal sealed class PostgresWebhookStore(NpgsqlDataSource dataSource, PostgresWorkQueue work) : IWebhookStore
{
    private const string EndpointColumns = "position, id, url, events, secret, created_at";

    /// <summary>
    /// One lane per live endpoint, each taking at most its limit of its own oldest due deliveries (LATERAL over the
    /// lane index, so a long backlog of one endpoint is never read for another's claim), then the oldest of those up to
    /// the total. SKIP LOCKED and the expired-lease rules are the work queue's (<see cref="PostgresWorkQueue"/>): the
    /// lock re-checks the row, and a lost lease counts as a failed attempt.
    /// </summary>
    private static readonly string ClaimSql = $"""
        WITH lanes AS (
            SELECT e.id, coalesce(q.lane_limit, $3) AS lane_limit
              FROM webhook_endpoints e
              LEFT JOIN unnest($4::text[], $5::int[]) AS q(target, lane_limit) ON q.target = e.id
             WHERE e.deleted_at IS NULL
        ), picked AS (
            SELECT d.id, d.next_attempt_at
              FROM lanes l
             CROSS JOIN LATERAL (
                   SELECT w.id, w.next_attempt_at
                     FROM work_items w
                    WHERE w.queue = 'deliveries' AND w.target = l.id AND w.state = 'pending' AND w.next_attempt_at <= now()
                      AND (w.leased_until IS NULL OR w.leased_until < now())
                      AND (w.leased_until IS NOT NULL OR mod(w.id, $7) = ANY($8))
                    ORDER BY w.next_attempt_at, w.id
                    LIMIT l.lane_limit
                      FOR UPDATE SKIP LOCKED) d
             WHERE l.lane_limit > 0
             ORDER BY d.next_attempt_at, d.id
             LIMIT $6
        ), claimed AS (
            UPDATE work_items w
               {PostgresWorkQueue.TakeLease(owner: "$1", lease: "$2")}
              FROM picked p
             WHERE w.id = p.id
            RETURNING w.id, w.queue, w.message_id, w.target, w.attempts, w.lease_token, w.leased_until, w.next_attempt_at)
        SELECT c.id, c.queue, c.message_id, c.target, o.type, o.entity_id, o.data::text, o.created_at, c.attempts, c.lease_token,
               c.leased_until, e.url, e.secret
          FROM claimed c
          JOIN outbox o ON o.id = c.message_id
          JOIN webhook_endpoints e ON e.id = c.target
         ORDER BY c.next_attempt_at, c.id
        """;

    /// <summary>
    /// The first statement of a delete. Its row lock waits for fan-outs that hold the endpoint (FOR SHARE) to commit; the
    /// second statement (<see cref="KillPendingSql"/>), with a snapshot of its own, then sees the deliveries they added.
    /// </summary>
    private const string DeleteSql = "UPDATE webhook_endpoints SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL";

    /// <summary>
    /// Makes the pending deliveries to the endpoints in $1 (an array) dead; the projection's delete runs it too. Rows are
    /// locked in id order first, as a grouped completion locks its rows (<see cref="PostgresWorkQueue"/>): a delete of
    /// several endpoints and a group completing deliveries to them never wait on each other in a cycle. A row completed
    /// while this waited for its lock is re-checked and left out.
    /// </summary>
    internal const string KillPendingSql = """
        UPDATE work_items w
           SET state = 'dead', last_error = 'endpoint deleted',
               leased_until = NULL, lease_owner = NULL, lease_token = NULL, updated_at = now()
          FROM (SELECT id
                  FROM work_items
                 WHERE queue = 'deliveries' AND target = ANY($1) AND state = 'pending'
                 ORDER BY id
                   FOR UPDATE) AS k
         WHERE w.id = k.id
        """;

    /// <summary>
    /// One delivery per message and live endpoint taking its type. FOR SHARE holds each endpoint row against a delete
    /// (an UPDATE) until this transaction ends; a delete that came first is seen (the lock re-reads the row) and skipped.
    /// </summary>
    private const string AddDeliveriesSql = """
        INSERT INTO work_items (queue, message_id, target)
        SELECT 'deliveries', m.message_id, e.id
          FROM unnest($1::text[], $2::text[]) AS m(message_id, type)
          JOIN webhook_endpoints e ON e.deleted_at IS NULL AND m.type = ANY (e.events)
           FOR SHARE OF e
        ON CONFLICT DO NOTHING
        """;

    // By id and lease token alone, no state = 'pending' (a lease token is only set on a pending row): naming the state
    // lets the planner scan every pending row through the partial claim indexes (see PostgresWorkQueue.HeldGroup).
    internal const string CompleteFanOutSql = """
        UPDATE work_items w
           SET state = 'done', completed_at = now(), leased_until = NULL, lease_owner = NULL, lease_token = NULL, updated_at = now()
          FROM unnest($1::bigint[], $2::text[]) AS f(id, token)
         WHERE w.id = f.id AND w.lease_token = f.token
        """;

    private const string DeliveryColumns = """
        SELECT w.id, w.queue, w.message_id, w.target, o.type, w.state, w.attempts, w.last_status, w.last_error,
               CASE WHEN w.state = 'pending' THEN w.next_attempt_at END,
               w.state = 'pending' AND w.leased_until IS NOT NULL AND w.leased_until >= now(),
               w.created_at
          FROM work_items w
          JOIN outbox o ON o.id = w.message_id
        """;

    private const string DueNowSql = """
        UPDATE work_items SET next_attempt_at = now(), updated_at = now()
         WHERE queue = 'deliveries' AND target = $1 AND id = $2 AND state = 'pending'
           AND (leased_until IS NULL OR leased_until < now())
        """;

    public async Task AddAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO webhook_endpoints (id, url, events, secret, created_at) VALUES ($1, $2, $3, $4, $5)");
        command.Parameters.Add(Value(endpoint.Id));
        command.Parameters.Add(Value(endpoint.Url));
        command.Parameters.Add(Value(endpoint.Events.ToArray()));
        command.Parameters.Add(Value(endpoint.Secret));
        command.Parameters.Add(Value(endpoint.CreatedAt.ToUniversalTime()));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<WebhookEndpoint?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        (await PostgresQuery.ListAsync(dataSource, $"SELECT {EndpointColumns} FROM webhook_endpoints WHERE id = $1 AND deleted_at IS NULL",
            [Value(id)], Read, cancellationToken).ConfigureAwait(false)).Select(r => r.Endpoint).SingleOrDefault();

    public async Task<IReadOnlyList<(long Position, WebhookEndpoint Endpoint)>> ListAsync(
        long afterPosition, int limit, CancellationToken cancellationToken = default) =>
        await PostgresQuery.ListAsync(dataSource,
            $"SELECT {EndpointColumns} FROM webhook_endpoints WHERE deleted_at IS NULL AND position > $1 ORDER BY position LIMIT $2",
            [Value(afterPosition), Value(limit)], Read, cancellationToken).ConfigureAwait(false);

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        // A batch runs as one implicit transaction, each statement with its own snapshot (READ COMMITTED).
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(PostgresBatchCommands.Command(DeleteSql, Value(id)));
        batch.BatchCommands.Add(PostgresBatchCommands.Command(KillPendingSql, PostgresBatchCommands.Array(new[] { id })));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return batch.BatchCommands[0].RecordsAffected == 1;
    }

    public async Task<int> FanOutAsync(IReadOnlyList<WorkItem> items, CancellationToken cancellationToken = default)
    {
        if (items.Count == 0)
        {
            return 0;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(PostgresBatchCommands.Command(AddDeliveriesSql,
            PostgresBatchCommands.Array(items.Select(i => i.MessageId)), PostgresBatchCommands.Array(items.Select(i => i.Type))));
        batch.BatchCommands.Add(PostgresBatchCommands.Command(CompleteFanOutSql,
            PostgresBatchCommands.Array(items.Select(i => i.Id)), PostgresBatchCommands.Array(items.Select(i => i.LeaseToken))));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return batch.BatchCommands[0].RecordsAffected;
    }

    public async Task<IReadOnlyList<DeliveryClaim>> ClaimDeliveriesAsync(
        string owner, IReadOnlyDictionary<string, int> laneLimits, int defaultLaneLimit, int limit, TimeSpan lease,
        WorkPartitions partitions, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        ArgumentOutOfRangeException.ThrowIfNegative(defaultLaneLimit);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        return await PostgresQuery.ListAsync(dataSource, ClaimSql,
            [
                Value(owner), Value(lease), Value(defaultLaneLimit),
                Value(laneLimits.Keys.ToArray()), Value(laneLimits.Values.Select(v => Math.Max(v, 0)).ToArray()), Value(limit),
                Value((long)partitions.Count), Value(partitions.Owned.Select(p => (long)p).ToArray()),
            ],
            r => new DeliveryClaim(
                new WorkItem(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
                    r.GetTime(7), r.GetInt32(8), r.GetString(9), r.GetTime(10)),
                r.GetString(11), r.GetString(12)),
            cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> CompleteDeliveryAsync(WorkItem item, int status, CancellationToken cancellationToken = default) =>
        work.CompleteAsync(item, status, cancellationToken);

    public async Task<IReadOnlyList<WorkItemView>> ListDeliveriesAsync(
        string endpointId, DeliveryStatus? status, long beforeId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var filter = status switch
        {
            null => "",
            DeliveryStatus.Pending => " AND w.state = 'pending' AND w.attempts = 0",
            DeliveryStatus.Failed => " AND w.state = 'pending' AND w.attempts > 0",
            DeliveryStatus.Delivered => " AND w.state = 'done'",
            _ => " AND w.state = 'dead'",
        };
        return await PostgresQuery.ListAsync(dataSource,
            $"{DeliveryColumns} WHERE w.queue = 'deliveries' AND w.target = $1 AND w.id < $2{filter} ORDER BY w.id DESC LIMIT $3",
            [Value(endpointId), Value(beforeId), Value(limit)], ReadDelivery, cancellationToken).ConfigureAwait(false);
    }

    public async Task<WorkItemView?> GetDeliveryAsync(string endpointId, long deliveryId, CancellationToken cancellationToken = default) =>
        await PostgresQuery.SingleOrDefaultAsync(dataSource,
            $"{DeliveryColumns} WHERE w.queue = 'deliveries' AND w.target = $1 AND w.id = $2",
            [Value(endpointId), Value(deliveryId)], ReadDelivery, cancellationToken).ConfigureAwait(false);

    public async Task<bool> MakeDueNowAsync(string endpointId, long deliveryId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(DueNowSql);
        command.Parameters.Add(Value(endpointId));
        command.Parameters.Add(Value(deliveryId));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static (long Position, WebhookEndpoint Endpoint) Read(NpgsqlDataReader r) =>
        (r.GetInt64(0), new WebhookEndpoint(r.GetString(1), r.GetString(2), r.GetFieldValue<string[]>(3), r.GetString(4), r.GetTime(5)));

    private static WorkItemView ReadDelivery(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetNullableString(3), r.GetString(4), r.GetString(5), r.GetInt32(6),
        r.IsDBNull(7) ? null : r.GetInt32(7), r.GetNullableString(8), r.GetNullableTime(9), r.GetBoolean(10), r.GetTime(11));
}
