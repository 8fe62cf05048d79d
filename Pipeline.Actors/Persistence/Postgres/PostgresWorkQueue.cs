using Npgsql;
using Pipeline.Actors.Work;
using static Pipeline.Actors.Persistence.Postgres.PostgresQuery;

namespace Pipeline.Actors.Persistence.Postgres;

/// <summary>
/// Work items on PostgreSQL, shared by every node. Each operation is one statement, and every time is the database's
/// <c>now()</c>, so nodes with skewed clocks still agree on which leases have expired. Completions and lease extensions,
/// one or two per item handled, go in grouped statements (<see cref="GroupedStatements{TRequest, TResult}"/>): those
/// waiting at the same moment share one round trip and one commit.
/// </summary>
/// <remarks>
/// There is no separate rescuer: the claim itself takes rows whose lease expired, re-checking the expiry on the row it
/// locks (READ COMMITTED re-evaluates the WHERE clause on the newest row version), and gives them a new lease token. A
/// late <see cref="ExtendAsync"/> that committed first keeps the row; a late settle by the old holder finds the token
/// changed and changes nothing (river#1302/#1373: a rescue must never undo a completion, nor a completion a rescue).
/// </remarks>
internal sealed class PostgresWorkQueue(NpgsqlDataSource dataSource) : IWorkQueue, IAsyncDisposable
{
    private const int MaxGroup = 256;

    private readonly GroupedStatements<Settle, bool> _completions =
        new(loops: 2, MaxGroup, items => SettleGroupAsync(dataSource, CompleteGroupSql, items));

    private readonly GroupedStatements<Settle, bool> _extensions =
        new(loops: 2, MaxGroup, items => SettleGroupAsync(dataSource, ExtendGroupSql, items));

    /// <summary>
    /// Leases due rows oldest first, skipping rows another claim has locked. A row taken back from an expired lease counts
    /// that lease as a failed attempt, so work that kills its node or always outruns its lease still runs out of attempts.
    /// </summary>
    private static readonly string ClaimSql = $"""
        WITH claimed AS (
            UPDATE work_items w
               {TakeLease(owner: "$2", lease: "$3")}
             WHERE w.id IN (
                   SELECT id
                     FROM work_items
                    WHERE queue = $1 AND state = 'pending' AND next_attempt_at <= now()
                      AND (leased_until IS NULL OR leased_until < now())
                      AND (leased_until IS NOT NULL OR mod(id, $5) = ANY($6))
                    ORDER BY next_attempt_at, id
                    LIMIT $4
                      FOR UPDATE SKIP LOCKED)
            RETURNING w.id, w.queue, w.message_id, w.target, w.attempts, w.lease_token, w.leased_until, w.next_attempt_at)
        SELECT c.id, c.queue, c.message_id, c.target, o.type, o.entity_id, o.data::text, o.created_at, c.attempts, c.lease_token, c.leased_until
          FROM claimed c
          JOIN outbox o ON o.id = c.message_id
         ORDER BY c.next_attempt_at, c.id
        """;

    /// <summary>
    /// The SET clause of every claim (this queue's and the webhook deliveries') on <c>work_items w</c>: a new lease for
    /// the owner parameter until now + the lease parameter; taking back an expired lease counts it as a failed attempt.
    /// </summary>
    internal static string TakeLease(string owner, string lease) => $"""
        SET leased_until = now() + {lease},
                   lease_owner  = {owner},
                   lease_token  = gen_random_uuid()::text,
                   attempts     = w.attempts + CASE WHEN w.leased_until IS NULL THEN 0 ELSE 1 END,
                   last_error   = CASE WHEN w.leased_until IS NULL THEN w.last_error ELSE 'lease of ' || w.lease_owner || ' expired' END,
                   last_status  = CASE WHEN w.leased_until IS NULL THEN w.last_status END,
                   updated_at   = now()
        """;

    /// <summary>Only the lease holder settles, and only a pending row: the guard every settling statement ends with.</summary>
    private const string HeldBy = "WHERE id = $1 AND lease_token = $2 AND state = 'pending'";

    private const string ClearLease = "leased_until = NULL, lease_owner = NULL, lease_token = NULL, updated_at = now()";

    private const string RetrySql =
        $"UPDATE work_items SET attempts = attempts + 1, next_attempt_at = now() + $3, last_error = $4, last_status = $5, {ClearLease} {HeldBy}";

    private const string KillSql =
        $"UPDATE work_items SET attempts = attempts + 1, state = 'dead', last_error = $3, last_status = $4, {ClearLease} {HeldBy}";

    private const string ReleaseSql = $"UPDATE work_items SET {ClearLease} {HeldBy}";

    /// <summary>
    /// The rows of a group (ids $1, lease tokens $2, leases $3, statuses $4) still held by their caller, locked in id
    /// order before they change: two groups that share rows (a completion and an extension of one item) never wait on
    /// each other in a cycle. A row whose lease was taken back meanwhile is re-checked on its newest version and left out.
    /// </summary>
    /// <remarks>
    /// Matched by id and lease token alone, with no <c>state = 'pending'</c> (the webhook fan-out's settle likewise): a
    /// lease token is only ever set on a pending row (every statement that settles, kills or hands back a row clears it),
    /// so the token already says the row is pending. Naming the state lets the planner read the group through the partial
    /// claim indexes (<c>WHERE state = 'pending'</c>), hashing every pending row of every queue against the group, which
    /// it chooses while the table has no statistics: a fresh database under load, before autovacuum's first ANALYZE. On a
    /// bench run's database with a 20,000-ticket backlog: 26 ms a group of 64 that way, 5 ms by primary key.
    /// </remarks>
    private static string HeldGroup(string extraCondition) => $"""
        WITH input AS (
            SELECT * FROM unnest($1::bigint[], $2::text[], $3::interval[], $4::int[]) WITH ORDINALITY AS i(id, token, lease, status, n)),
        held AS (
            SELECT w.id, i.lease, i.status
              FROM work_items w
              JOIN input i ON w.id = i.id AND w.lease_token = i.token
             {extraCondition}
             ORDER BY w.id
               FOR UPDATE OF w),
        """;

    /// <summary>Each input row's answer, in order: whether its row changed.</summary>
    private const string GroupAnswers = "SELECT i.n, EXISTS (SELECT 1 FROM changed c WHERE c.id = i.id) FROM input i ORDER BY i.n";

    internal static readonly string CompleteGroupSql = $"""
        {HeldGroup("")}
        changed AS (
            UPDATE work_items w SET state = 'done', completed_at = now(), {ClearLease},
                   last_status = coalesce(h.status, w.last_status),
                   last_error = CASE WHEN h.status IS NULL THEN w.last_error END
              FROM held h WHERE w.id = h.id
            RETURNING w.id)
        {GroupAnswers}
        """;

    internal static readonly string ExtendGroupSql = $"""
        {HeldGroup("WHERE w.leased_until >= now()")}
        changed AS (
            UPDATE work_items w SET leased_until = now() + h.lease, updated_at = now()
              FROM held h WHERE w.id = h.id
            RETURNING w.id)
        {GroupAnswers}
        """;

    private const string EnqueueSql = """
        INSERT INTO work_items (queue, message_id, target)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
        ON CONFLICT DO NOTHING
        """;

    private const string RequeueSql = """
        UPDATE work_items
           SET state = 'pending', next_attempt_at = now(), completed_at = NULL,
               leased_until = NULL, lease_owner = NULL, lease_token = NULL, updated_at = now()
         WHERE queue = $1 AND id = $2 AND state IN ('done', 'dead')
        """;

    /// <summary>Ready, scheduled and leased split the pending rows; a lease is held while leased_until >= now().</summary>
    private const string DepthSql = """
        SELECT count(*) FILTER (WHERE next_attempt_at <= now() AND (leased_until IS NULL OR leased_until < now())),
               count(*) FILTER (WHERE next_attempt_at > now() AND (leased_until IS NULL OR leased_until < now())),
               count(*) FILTER (WHERE leased_until >= now()),
               (SELECT count(*) FROM work_items WHERE queue = $1 AND state = 'dead')
          FROM work_items
         WHERE queue = $1 AND state = 'pending'
        """;

    private const string ListSql = """
        SELECT w.id, w.queue, w.message_id, w.target, o.type, w.state, w.attempts, w.last_status, w.last_error,
               CASE WHEN w.state = 'pending' THEN w.next_attempt_at END,
               w.state = 'pending' AND w.leased_until IS NOT NULL AND w.leased_until >= now(),
               w.created_at
          FROM work_items w
          JOIN outbox o ON o.id = w.message_id
         WHERE w.queue = $1 AND w.id < $2
        """;

    public async Task<IReadOnlyList<WorkItem>> ClaimAsync(
        string queue, string owner, int limit, TimeSpan lease, WorkPartitions partitions, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        return await PostgresQuery.ListAsync(dataSource, ClaimSql,
            [Value(queue), Value(owner), Value(lease), Value(limit), Value((long)partitions.Count), Value(partitions.Owned.Select(p => (long)p).ToArray())],
            r => new WorkItem(
                r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetNullableString(3), r.GetString(4), r.GetString(5), r.GetString(6),
                r.GetTime(7), r.GetInt32(8), r.GetString(9), r.GetTime(10)),
            cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> CompleteAsync(WorkItem item, CancellationToken cancellationToken = default) =>
        _completions.RunAsync(new Settle(item.Id, item.LeaseToken, null, null)).WaitAsync(cancellationToken);

    /// <summary>
    /// As <see cref="CompleteAsync(WorkItem, CancellationToken)"/>, recording the status the item's target answered (a
    /// webhook delivery's 2xx) and clearing the error of an earlier attempt: in the same groups as every other completion.
    /// </summary>
    internal Task<bool> CompleteAsync(WorkItem item, int status, CancellationToken cancellationToken) =>
        _completions.RunAsync(new Settle(item.Id, item.LeaseToken, null, status)).WaitAsync(cancellationToken);

    public Task<bool> RetryAsync(WorkItem item, TimeSpan delay, string? error, int? status, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return SettleAsync(RetrySql, item, [Value(delay), Value(error), Value(status)], cancellationToken);
    }

    public Task<bool> KillAsync(WorkItem item, string? error, int? status, CancellationToken cancellationToken = default) =>
        SettleAsync(KillSql, item, [Value(error), Value(status)], cancellationToken);

    public Task<bool> ReleaseAsync(WorkItem item, CancellationToken cancellationToken = default) =>
        SettleAsync(ReleaseSql, item, [], cancellationToken);

    public Task<bool> ExtendAsync(WorkItem item, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        return _extensions.RunAsync(new Settle(item.Id, item.LeaseToken, lease, null)).WaitAsync(cancellationToken);
    }

    public async Task<int> EnqueueAsync(IReadOnlyList<NewWorkItem> items, CancellationToken cancellationToken = default)
    {
        if (items.Count == 0)
        {
            return 0;
        }
        return await ExecuteAsync(EnqueueSql,
            [
                PostgresBatchCommands.Array(items.Select(i => i.Queue)),
                PostgresBatchCommands.Array(items.Select(i => i.MessageId)),
                PostgresBatchCommands.Array(items.Select(i => i.Target)),
            ], cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> RequeueAsync(string queue, long id, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(RequeueSql, [Value(queue), Value(id)], cancellationToken).ConfigureAwait(false) == 1;

    public async Task<QueueDepth> DepthAsync(string queue, CancellationToken cancellationToken = default) =>
        (await PostgresQuery.ListAsync(dataSource, DepthSql, [Value(queue)],
            r => new QueueDepth(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3)), cancellationToken).ConfigureAwait(false))[0];

    public async Task<IReadOnlyList<WorkItemView>> ListAsync(
        string queue, string? target, string? state, long beforeId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        // The optional filters are spelled out rather than "$n IS NULL OR ...", so each shape gets the plan of its index.
        var sql = ListSql
            + (target is null ? "" : " AND w.target = $4")
            + (state is null ? "" : target is null ? " AND w.state = $4" : " AND w.state = $5")
            + " ORDER BY w.id DESC LIMIT $3";
        List<NpgsqlParameter> parameters = [Value(queue), Value(beforeId), Value(limit)];
        if (target is not null) parameters.Add(Value(target));
        if (state is not null) parameters.Add(Value(state));
        return await PostgresQuery.ListAsync(dataSource, sql, parameters,
            r => new WorkItemView(
                r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetNullableString(3), r.GetString(4), r.GetString(5), r.GetInt32(6),
                r.IsDBNull(7) ? null : r.GetInt32(7), r.GetNullableString(8), r.GetNullableTime(9), r.GetBoolean(10), r.GetTime(11)),
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> SettleAsync(string sql, WorkItem item, NpgsqlParameter[] extra, CancellationToken ct) =>
        await ExecuteAsync(sql, [Value(item.Id), Value(item.LeaseToken), .. extra], ct).ConfigureAwait(false) == 1;

    /// <summary>Not cancelled: the group's callers share it, and each stops waiting on its own.</summary>
    private static async Task<IReadOnlyList<bool>> SettleGroupAsync(
        NpgsqlDataSource dataSource, string sql, IReadOnlyList<Settle> items) =>
        await PostgresQuery.ListAsync(dataSource, sql,
            [
                PostgresBatchCommands.Array(items.Select(i => i.Id)),
                PostgresBatchCommands.Array(items.Select(i => i.Token)),
                PostgresBatchCommands.Array(items.Select(i => i.Lease ?? TimeSpan.Zero)),
                PostgresBatchCommands.Array(items.Select(i => i.Status)),
            ],
            r => r.GetBoolean(1), CancellationToken.None).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        await _completions.DisposeAsync().ConfigureAwait(false);
        await _extensions.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<int> ExecuteAsync(string sql, IEnumerable<NpgsqlParameter> parameters, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters.ToArray());
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>One item of a grouped settle: the lease an extension gives, the status a completion records (none: kept).</summary>
    private readonly record struct Settle(long Id, string Token, TimeSpan? Lease, int? Status);
}
