using System.Text.Json;
using Microsoft.Data.Sqlite;
using Pipeline.Actors.Webhooks;
using Pipeline.Actors.Work;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>
/// Webhook endpoints and their deliveries on SQLite (one node). Writes go through the write gate; work-item times are
/// unix milliseconds of <see cref="TimeProvider"/>, as in <see cref="SqliteWorkQueue"/>, whose lease rules the claim repeats.
/// </summary>
internal sealed class SqliteWebhookStore(SqliteConnectionFactory connections, TimeProvider time) : IWebhookStore
{
    private const string EndpointColumns = "position, id, url, events, secret, created_at";

    /// <summary>
    /// Each live endpoint's due deliveries numbered in due order (its lane), those within the lane's limit, oldest first up
    /// to the total. One node holds the write gate, so there is nothing to skip; RETURNING has no order: the caller sorts.
    /// </summary>
    private const string ClaimSql = $"""
        UPDATE work_items
           {SqliteWorkQueue.TakeLease}
         WHERE id IN (
               SELECT id FROM (
                      SELECT w.id, w.next_attempt_at,
                             row_number() OVER (PARTITION BY w.target ORDER BY w.next_attempt_at, w.id) AS place,
                             coalesce(q.lane_limit, $default_lane_limit) AS lane_limit
                        FROM work_items w
                        JOIN webhook_endpoints e ON e.id = w.target AND e.deleted_at IS NULL
                        LEFT JOIN (SELECT json_extract(value, '$.target') AS target, json_extract(value, '$.limit') AS lane_limit
                                     FROM json_each($lanes)) q ON q.target = w.target
                       WHERE w.queue = 'deliveries' AND w.state = 'pending' AND w.next_attempt_at <= $now
                         AND (w.leased_until IS NULL OR w.leased_until < $now)
                         AND (w.leased_until IS NOT NULL OR w.id % $partitions IN (SELECT value FROM json_each($owned))))
                WHERE place <= lane_limit
                ORDER BY next_attempt_at, id
                LIMIT $limit)
        RETURNING id, queue, message_id, target, attempts, lease_token, leased_until, next_attempt_at
        """;

    private const string ClaimedSql = """
        SELECT w.id, o.type, o.entity_id, o.data, o.created_at, e.url, e.secret
          FROM work_items w
          JOIN outbox o ON o.id = w.message_id
          JOIN webhook_endpoints e ON e.id = w.target
         WHERE w.id IN (SELECT value FROM json_each($ids))
        """;

    /// <summary>Makes pending deliveries dead, at $now (unix ms); callers add which targets. The projection's delete runs it too.</summary>
    internal const string KillPendingSql = """
        UPDATE work_items
           SET state = 'dead', last_error = 'endpoint deleted',
               leased_until = NULL, lease_owner = NULL, lease_token = NULL, updated_at = $now
         WHERE queue = 'deliveries' AND state = 'pending'
        """;

    private const string AddDeliveriesSql = """
        INSERT OR IGNORE INTO work_items (queue, message_id, target, next_attempt_at, created_at, updated_at)
        SELECT 'deliveries', json_extract(m.value, '$.message'), e.id, $now, $now, $now
          FROM json_each($messages) m
          JOIN webhook_endpoints e
            ON e.deleted_at IS NULL
           AND EXISTS (SELECT 1 FROM json_each(e.events) t WHERE t.value = json_extract(m.value, '$.type'))
        """;

    private const string CompleteFanOutSql = """
        UPDATE work_items
           SET state = 'done', completed_at = $now, leased_until = NULL, lease_owner = NULL, lease_token = NULL, updated_at = $now
         WHERE state = 'pending'
           AND (id, lease_token) IN (SELECT json_extract(value, '$.id'), json_extract(value, '$.token') FROM json_each($items))
        """;

    private const string DeliveryColumns = """
        SELECT w.id, w.queue, w.message_id, w.target, o.type, w.state, w.attempts, w.last_status, w.last_error,
               CASE WHEN w.state = 'pending' THEN w.next_attempt_at END,
               w.state = 'pending' AND w.leased_until IS NOT NULL AND w.leased_until >= $now,
               w.created_at
          FROM work_items w
          JOIN outbox o ON o.id = w.message_id
        """;

    private const string CompleteSql = """
        UPDATE work_items
           SET state = 'done', completed_at = $now, last_status = $status, last_error = NULL,
               leased_until = NULL, lease_owner = NULL, lease_token = NULL, updated_at = $now
         WHERE id = $id AND lease_token = $token AND state = 'pending'
        """;

    private const string DueNowSql = """
        UPDATE work_items SET next_attempt_at = $now, updated_at = $now
         WHERE queue = 'deliveries' AND target = $target AND id = $id AND state = 'pending'
           AND (leased_until IS NULL OR leased_until < $now)
        """;

    public async Task AddAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken = default) =>
        await WriteAsync(
            "INSERT INTO webhook_endpoints (id, url, events, secret, created_at) VALUES ($id, $url, $events, $secret, $created_at)",
            [
                ("$id", endpoint.Id), ("$url", endpoint.Url), ("$events", JsonSerializer.Serialize(endpoint.Events)),
                ("$secret", endpoint.Secret), ("$created_at", SqliteTime.Format(endpoint.CreatedAt)),
            ], cancellationToken).ConfigureAwait(false);

    public async Task<WebhookEndpoint?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        (await SqliteQuery.ListAsync(connections, $"SELECT {EndpointColumns} FROM webhook_endpoints WHERE id = $id AND deleted_at IS NULL",
            [("$id", id)], Read, cancellationToken).ConfigureAwait(false)).Select(r => r.Endpoint).SingleOrDefault();

    public async Task<IReadOnlyList<(long Position, WebhookEndpoint Endpoint)>> ListAsync(
        long afterPosition, int limit, CancellationToken cancellationToken = default) =>
        await SqliteQuery.ListAsync(connections,
            $"SELECT {EndpointColumns} FROM webhook_endpoints WHERE deleted_at IS NULL AND position > $after ORDER BY position LIMIT $limit",
            [("$after", afterPosition), ("$limit", limit)], Read, cancellationToken).ConfigureAwait(false);

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await connections.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = connection.BeginTransaction(deferred: false);
            var now = time.GetUtcNow();
            await using var delete = Command(connection, transaction,
                "UPDATE webhook_endpoints SET deleted_at = $at WHERE id = $id AND deleted_at IS NULL",
                ("$at", SqliteTime.Format(now)), ("$id", id));
            if (await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return false;
            }
            await using var kill = Command(connection, transaction, KillPendingSql + " AND target = $id",
                ("$now", now.ToUnixTimeMilliseconds()), ("$id", id));
            await kill.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            connections.WriteGate.Release();
        }
    }

    /// <summary>One IMMEDIATE transaction under the write gate: the endpoints read are the ones a delete would change.</summary>
    public async Task<int> FanOutAsync(IReadOnlyList<WorkItem> items, CancellationToken cancellationToken = default)
    {
        if (items.Count == 0)
        {
            return 0;
        }
        var held = JsonSerializer.Serialize(items.Select(i => new HeldItem(i.Id, i.LeaseToken)));
        await connections.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = connection.BeginTransaction(deferred: false);
            var now = Now();
            var added = await AddDeliveriesAsync(connection, transaction, items.Select(i => (i.MessageId, i.Type)), now, cancellationToken)
                .ConfigureAwait(false);
            await using var complete = Command(connection, transaction, CompleteFanOutSql, ("$items", held), ("$now", now));
            await complete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return added;
        }
        finally
        {
            connections.WriteGate.Release();
        }
    }

    /// <summary>
    /// One delivery of each message to every live endpoint subscribed to its type (one that exists already is left
    /// alone), in the caller's transaction: the fan-out of older items, and the projection as it stores new messages.
    /// </summary>
    internal static async Task<int> AddDeliveriesAsync(SqliteConnection connection, SqliteTransaction transaction,
        IEnumerable<(string MessageId, string Type)> messages, long now, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(messages.Select(m => new FannedMessage(m.MessageId, m.Type)));
        await using var add = Command(connection, transaction, AddDeliveriesSql, ("$messages", json), ("$now", now));
        return await add.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<DeliveryClaim>> ClaimDeliveriesAsync(
        string owner, IReadOnlyDictionary<string, int> laneLimits, int defaultLaneLimit, int limit, TimeSpan lease,
        WorkPartitions partitions, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        ArgumentOutOfRangeException.ThrowIfNegative(defaultLaneLimit);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        var lanes = JsonSerializer.Serialize(laneLimits.Select(l => new LaneLimit(l.Key, Math.Max(l.Value, 0))));
        await connections.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = connection.BeginTransaction(deferred: false);
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();

            var leases = new List<(long Id, string Queue, string MessageId, string Target, int Attempts, string Token, long LeasedUntil, long Due)>();
            await using (var claim = Command(connection, transaction, ClaimSql,
                ("$now", now), ("$lease_ms", (long)Math.Ceiling(lease.TotalMilliseconds)), ("$owner", owner),
                ("$default_lane_limit", defaultLaneLimit), ("$lanes", lanes), ("$limit", limit),
                ("$partitions", partitions.Count), ("$owned", $"[{string.Join(',', partitions.Owned)}]")))
            await using (var reader = await claim.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    leases.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4),
                        reader.GetString(5), reader.GetInt64(6), reader.GetInt64(7)));
                }
            }
            if (leases.Count == 0)
            {
                return [];
            }

            var details = new Dictionary<long, (string Type, string EntityId, string Data, DateTimeOffset CreatedAt, string Url, string Secret)>();
            await using (var read = Command(connection, transaction, ClaimedSql, ("$ids", $"[{string.Join(',', leases.Select(l => l.Id))}]")))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    details[reader.GetInt64(0)] = (reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetTime(4),
                        reader.GetString(5), reader.GetString(6));
                }
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

            return leases
                .OrderBy(l => l.Due).ThenBy(l => l.Id)
                .Select(l =>
                {
                    var d = details[l.Id];
                    var item = new WorkItem(l.Id, l.Queue, l.MessageId, l.Target, d.Type, d.EntityId, d.Data, d.CreatedAt, l.Attempts, l.Token,
                        SqliteTime.FromUnixMilliseconds(l.LeasedUntil));
                    return new DeliveryClaim(item, d.Url, d.Secret);
                })
                .ToList();
        }
        finally
        {
            connections.WriteGate.Release();
        }
    }

    public async Task<bool> CompleteDeliveryAsync(WorkItem item, int status, CancellationToken cancellationToken = default) =>
        await WriteAsync(CompleteSql, [("$id", item.Id), ("$token", item.LeaseToken), ("$status", status)], cancellationToken).ConfigureAwait(false) == 1;

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
        return await SqliteQuery.ListAsync(connections,
            $"{DeliveryColumns} WHERE w.queue = 'deliveries' AND w.target = $target AND w.id < $before{filter} ORDER BY w.id DESC LIMIT $limit",
            [("$target", endpointId), ("$before", beforeId), ("$limit", limit), ("$now", Now())], ReadDelivery, cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task<WorkItemView?> GetDeliveryAsync(string endpointId, long deliveryId, CancellationToken cancellationToken = default) =>
        await SqliteQuery.SingleOrDefaultAsync(connections,
            $"{DeliveryColumns} WHERE w.queue = 'deliveries' AND w.target = $target AND w.id = $id",
            [("$target", endpointId), ("$id", deliveryId), ("$now", Now())], ReadDelivery, cancellationToken).ConfigureAwait(false);

    public async Task<bool> MakeDueNowAsync(string endpointId, long deliveryId, CancellationToken cancellationToken = default) =>
        await WriteAsync(DueNowSql, [("$target", endpointId), ("$id", deliveryId)], cancellationToken).ConfigureAwait(false) == 1;

    /// <summary>One statement under the write gate; <c>$now</c> is taken after the gate, so a wait cannot make it stale.</summary>
    private Task<int> WriteAsync(string sql, IEnumerable<(string Name, object? Value)> parameters, CancellationToken ct) =>
        SqliteQuery.WriteAsync(connections, sql, [.. parameters, ("$now", Now())], ct);

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql,
        params (string Name, object? Value)[] parameters) => SqliteQuery.Command(connection, transaction, sql, parameters);

    private static (long Position, WebhookEndpoint Endpoint) Read(SqliteDataReader r) =>
        (r.GetInt64(0), new WebhookEndpoint(r.GetString(1), r.GetString(2), JsonSerializer.Deserialize<string[]>(r.GetString(3)) ?? [],
            r.GetString(4), r.GetTime(5)));

    private static WorkItemView ReadDelivery(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetNullableString(3), r.GetString(4), r.GetString(5), r.GetInt32(6),
        r.IsDBNull(7) ? null : r.GetInt32(7), r.GetNullableString(8),
        r.IsDBNull(9) ? null : SqliteTime.FromUnixMilliseconds(r.GetInt64(9)), r.GetBoolean(10),
        SqliteTime.FromUnixMilliseconds(r.GetInt64(11)));

    private sealed record FannedMessage(
        [property: System.Text.Json.Serialization.JsonPropertyName("message")] string MessageId,
        [property: System.Text.Json.Serialization.JsonPropertyName("type")] string Type);

    private sealed record HeldItem(
        [property: System.Text.Json.Serialization.JsonPropertyName("id")] long Id,
        [property: System.Text.Json.Serialization.JsonPropertyName("token")] string Token);

    /// <summary>One lane's limit as the claim's JSON parameter carries it.</summary>
    private sealed record LaneLimit(
        [property: System.Text.Json.Serialization.JsonPropertyName("target")] string Target,
        [property: System.Text.Json.Serialization.JsonPropertyName("limit")] int Limit);
}
