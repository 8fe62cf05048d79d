using Microsoft.Data.Sqlite;
using Pipeline.Actors.Work;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>
/// Work items on SQLite (one node). Writes go through the write gate, each in one statement except the claim, which
/// updates and then reads the claimed rows' messages in one IMMEDIATE transaction. Times are unix milliseconds of
/// <see cref="TimeProvider"/>; the guards are the same as PostgreSQL's: only the lease token settles, and only a
/// pending row.
/// </summary>
internal sealed class SqliteWorkQueue(SqliteConnectionFactory connections, TimeProvider time) : IWorkQueue
{
    /// <summary>
    /// River's SQLite claim. A row taken back from an expired lease counts that lease as a failed attempt (see PostgreSQL).
    /// RETURNING has no order in SQLite: the caller sorts.
    /// </summary>
    private const string ClaimSql = $"""
        UPDATE work_items
           {TakeLease}
         WHERE id IN (
               SELECT id
                 FROM work_items
                WHERE queue = $queue AND state = 'pending' AND next_attempt_at <= $now
                  AND (leased_until IS NULL OR leased_until < $now)
                  AND (leased_until IS NOT NULL OR id % $partitions IN (SELECT value FROM json_each($owned)))
                ORDER BY next_attempt_at, id
                LIMIT $limit)
        RETURNING id, queue, message_id, target, attempts, lease_token, leased_until, next_attempt_at
        """;

    /// <summary>
    /// The SET clause of every claim (this queue's and the webhook deliveries'): a new lease for <c>$owner</c> until
    /// <c>$now + $lease_ms</c>; taking back an expired lease counts it as a failed attempt.
    /// </summary>
    internal const string TakeLease = """
        SET leased_until = $now + $lease_ms,
               lease_owner  = $owner,
               lease_token  = lower(hex(randomblob(16))),
               attempts     = attempts + CASE WHEN leased_until IS NULL THEN 0 ELSE 1 END,
               last_error   = CASE WHEN leased_until IS NULL THEN last_error ELSE 'lease of ' || lease_owner || ' expired' END,
               last_status  = CASE WHEN leased_until IS NULL THEN last_status END,
               updated_at   = $now
        """;

    private const string ClaimedMessagesSql = """
        SELECT w.id, o.type, o.entity_id, o.data, o.created_at
          FROM work_items w
          JOIN outbox o ON o.id = w.message_id
         WHERE w.id IN (SELECT value FROM json_each($ids))
        """;

    private const string HeldBy = "WHERE id = $id AND lease_token = $token AND state = 'pending'";

    private const string ClearLease = "leased_until = NULL, lease_owner = NULL, lease_token = NULL, updated_at = $now";

    private const string CompleteSql = $"UPDATE work_items SET state = 'done', completed_at = $now, {ClearLease} {HeldBy}";

    private const string RetrySql =
        $"UPDATE work_items SET attempts = attempts + 1, next_attempt_at = $now + $delay_ms, last_error = $error, last_status = $status, {ClearLease} {HeldBy}";

    private const string KillSql =
        $"UPDATE work_items SET attempts = attempts + 1, state = 'dead', last_error = $error, last_status = $status, {ClearLease} {HeldBy}";

    private const string ReleaseSql = $"UPDATE work_items SET {ClearLease} {HeldBy}";

    private const string ExtendSql =
        $"UPDATE work_items SET leased_until = $now + $lease_ms, updated_at = $now {HeldBy} AND leased_until >= $now";

    private const string EnqueueSql = """
        INSERT OR IGNORE INTO work_items (queue, message_id, target, next_attempt_at, created_at, updated_at)
        VALUES ($queue, $message_id, $target, $now, $now, $now)
        """;

    private const string RequeueSql = """
        UPDATE work_items
           SET state = 'pending', next_attempt_at = $now, completed_at = NULL,
               leased_until = NULL, lease_owner = NULL, lease_token = NULL, updated_at = $now
         WHERE queue = $queue AND id = $id AND state IN ('done', 'dead')
        """;

    private const string DepthSql = """
        SELECT count(*) FILTER (WHERE state = 'pending' AND next_attempt_at <= $now AND (leased_until IS NULL OR leased_until < $now)),
               count(*) FILTER (WHERE state = 'pending' AND next_attempt_at > $now AND (leased_until IS NULL OR leased_until < $now)),
               count(*) FILTER (WHERE state = 'pending' AND leased_until >= $now),
               count(*) FILTER (WHERE state = 'dead')
          FROM work_items
         WHERE queue = $queue AND state IN ('pending', 'dead')
        """;

    private const string ListSql = """
        SELECT w.id, w.queue, w.message_id, w.target, o.type, w.state, w.attempts, w.last_status, w.last_error,
               CASE WHEN w.state = 'pending' THEN w.next_attempt_at END,
               w.state = 'pending' AND w.leased_until IS NOT NULL AND w.leased_until >= $now,
               w.created_at
          FROM work_items w
          JOIN outbox o ON o.id = w.message_id
         WHERE w.queue = $queue AND w.id < $before
        """;

    public async Task<IReadOnlyList<WorkItem>> ClaimAsync(
        string queue, string owner, int limit, TimeSpan lease, WorkPartitions partitions, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        await connections.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = connection.BeginTransaction(deferred: false);
            var now = Now();

            var leases = new List<(long Id, string Queue, string MessageId, string? Target, int Attempts, string Token, long LeasedUntil, long Due)>();
            await using (var claim = Command(connection, transaction, ClaimSql,
                ("$now", now), ("$lease_ms", Milliseconds(lease)), ("$owner", owner), ("$queue", queue), ("$limit", limit),
                ("$partitions", partitions.Count), ("$owned", $"[{string.Join(',', partitions.Owned)}]")))
            await using (var reader = await claim.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    leases.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetNullableString(3), reader.GetInt32(4),
                        reader.GetString(5), reader.GetInt64(6), reader.GetInt64(7)));
                }
            }
            if (leases.Count == 0)
            {
                return [];
            }

            var messages = new Dictionary<long, (string Type, string EntityId, string Data, DateTimeOffset CreatedAt)>();
            await using (var read = Command(connection, transaction, ClaimedMessagesSql, ("$ids", $"[{string.Join(',', leases.Select(l => l.Id))}]")))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    messages[reader.GetInt64(0)] = (reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetTime(4));
                }
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

            return leases
                .OrderBy(l => l.Due).ThenBy(l => l.Id)
                .Select(l =>
                {
                    var m = messages[l.Id];
                    return new WorkItem(l.Id, l.Queue, l.MessageId, l.Target, m.Type, m.EntityId, m.Data, m.CreatedAt, l.Attempts, l.Token,
                        SqliteTime.FromUnixMilliseconds(l.LeasedUntil));
                })
                .ToList();
        }
        finally
        {
            connections.WriteGate.Release();
        }
    }

    public Task<bool> CompleteAsync(WorkItem item, CancellationToken cancellationToken = default) =>
        SettleAsync(CompleteSql, item, [], cancellationToken);

    public Task<bool> RetryAsync(WorkItem item, TimeSpan delay, string? error, int? status, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return SettleAsync(RetrySql, item, [("$delay_ms", Milliseconds(delay)), ("$error", error), ("$status", status)], cancellationToken);
    }

    public Task<bool> KillAsync(WorkItem item, string? error, int? status, CancellationToken cancellationToken = default) =>
        SettleAsync(KillSql, item, [("$error", error), ("$status", status)], cancellationToken);

    public Task<bool> ReleaseAsync(WorkItem item, CancellationToken cancellationToken = default) =>
        SettleAsync(ReleaseSql, item, [], cancellationToken);

    public Task<bool> ExtendAsync(WorkItem item, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        return SettleAsync(ExtendSql, item, [("$lease_ms", Milliseconds(lease))], cancellationToken);
    }

    public async Task<int> EnqueueAsync(IReadOnlyList<NewWorkItem> items, CancellationToken cancellationToken = default)
    {
        if (items.Count == 0)
        {
            return 0;
        }
        await connections.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = connection.BeginTransaction(deferred: false);
            await using var insert = Command(connection, transaction, EnqueueSql,
                ("$queue", null), ("$message_id", null), ("$target", null), ("$now", Now()));
            var added = 0;
            foreach (var item in items)
            {
                insert.Parameters["$queue"].Value = item.Queue;
                insert.Parameters["$message_id"].Value = item.MessageId;
                insert.Parameters["$target"].Value = (object?)item.Target ?? DBNull.Value;
                added += await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return added;
        }
        finally
        {
            connections.WriteGate.Release();
        }
    }

    public async Task<bool> RequeueAsync(string queue, long id, CancellationToken cancellationToken = default) =>
        await WriteAsync(RequeueSql, [("$queue", queue), ("$id", id)], cancellationToken).ConfigureAwait(false) == 1;

    public async Task<QueueDepth> DepthAsync(string queue, CancellationToken cancellationToken = default) =>
        (await SqliteQuery.ListAsync(connections, DepthSql, [("$queue", queue), ("$now", Now())],
            r => new QueueDepth(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3)), cancellationToken).ConfigureAwait(false))[0];

    public async Task<IReadOnlyList<WorkItemView>> ListAsync(
        string queue, string? target, string? state, long beforeId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var sql = ListSql
            + (target is null ? "" : " AND w.target = $target")
            + (state is null ? "" : " AND w.state = $state")
            + " ORDER BY w.id DESC LIMIT $limit";
        return await SqliteQuery.ListAsync(connections, sql,
            [("$queue", queue), ("$before", beforeId), ("$limit", limit), ("$target", target), ("$state", state), ("$now", Now())],
            r => new WorkItemView(
                r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetNullableString(3), r.GetString(4), r.GetString(5), r.GetInt32(6),
                r.IsDBNull(7) ? null : r.GetInt32(7), r.GetNullableString(8),
                r.IsDBNull(9) ? null : SqliteTime.FromUnixMilliseconds(r.GetInt64(9)), r.GetBoolean(10),
                SqliteTime.FromUnixMilliseconds(r.GetInt64(11))),
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> SettleAsync(string sql, WorkItem item, (string Name, object? Value)[] extra, CancellationToken ct) =>
        await WriteAsync(sql, [("$id", item.Id), ("$token", item.LeaseToken), .. extra], ct).ConfigureAwait(false) == 1;

    /// <summary>One statement under the write gate, timed after the gate is taken so a wait cannot make "now" stale.</summary>
    private Task<int> WriteAsync(string sql, IEnumerable<(string Name, object? Value)> parameters, CancellationToken ct) =>
        SqliteQuery.WriteAsync(connections, sql, [.. parameters, ("$now", Now())], ct);

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Rounded up, so a lease or delay is never shorter than asked.</summary>
    private static long Milliseconds(TimeSpan span) => (long)Math.Ceiling(span.TotalMilliseconds);

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql,
        params (string Name, object? Value)[] parameters) => SqliteQuery.Command(connection, transaction, sql, parameters);
}
