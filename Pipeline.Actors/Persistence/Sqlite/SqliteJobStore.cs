using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Pipeline.Actors.Jobs;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>
/// Jobs on SQLite (one node). Writes go through the write gate; times are unix milliseconds of <see cref="TimeProvider"/>.
/// The guards are PostgreSQL's: every write of a run needs its lease token, and only the completing run's chunks count.
/// </summary>
internal sealed class SqliteJobStore(SqliteConnectionFactory connections, TimeProvider time) : IJobStore
{
    private const string Columns = """
        position, id, type, status, priority, parameters, progress_done, progress_total, attempts, created_at, started_at,
        completed_at, CASE WHEN status = 'queued' THEN next_attempt_at END, error, file_name, content_type, file_bytes
        """;

    private const string Claimable =
        "status IN ('queued', 'running') AND next_attempt_at <= $now AND (leased_until IS NULL OR leased_until < $now)";

    /// <summary>Rank first (the priority less one per <c>$promote_ms</c> waited, at least 0), then due time, then age.</summary>
    private const string ClaimSql = $"""
        UPDATE jobs
           SET status = 'running', leased_until = $now + $lease_ms, lease_owner = $owner, lease_token = lower(hex(randomblob(16))),
               attempts = attempts + 1, started_at = coalesce(started_at, $now), updated_at = $now
         WHERE id IN (
               SELECT id
                 FROM jobs
                WHERE {Claimable}
                ORDER BY max(priority - ($now - created_at) / $promote_ms, 0), next_attempt_at, position
                LIMIT $limit)
        RETURNING id, type, priority, parameters, attempts, lease_token, leased_until
        """;

    private const string HeldBy = "WHERE id = $id AND lease_token = $token AND status = 'running'";

    private const string ClearLease = "leased_until = NULL, lease_owner = NULL, lease_token = NULL, updated_at = $now";

    private const string ExtendSql = $"UPDATE jobs SET leased_until = $now + $lease_ms, updated_at = $now {HeldBy} AND leased_until >= $now";

    private const string ProgressSql = $"UPDATE jobs SET progress_done = $done, progress_total = $total, updated_at = $now {HeldBy}";

    private const string AppendSql = """
        INSERT INTO job_file_chunks (job_id, lease_token, seq, data)
        SELECT $id, $token, $seq, $data
         WHERE EXISTS (SELECT 1 FROM jobs WHERE id = $id AND lease_token = $token AND status = 'running')
        """;

    private const string CompleteSql = $"""
        UPDATE jobs
           SET status = 'completed', completed_at = $now, file_token = lease_token, file_name = $name, content_type = $content_type,
               file_bytes = $bytes, error = NULL, {ClearLease}
         {HeldBy}
        """;

    private const string DropOtherRunsSql = "DELETE FROM job_file_chunks WHERE job_id = $id AND lease_token <> $token";

    private const string RetrySql =
        $"UPDATE jobs SET status = 'queued', next_attempt_at = $now + $delay_ms, error = $error, progress_done = 0, progress_total = NULL, {ClearLease} {HeldBy}";

    private const string FailSql = $"UPDATE jobs SET status = 'failed', completed_at = $now, error = $error, {ClearLease} {HeldBy}";

    private const string DropAllSql = "DELETE FROM job_file_chunks WHERE job_id = $id";

    private const string ReleaseSql =
        $"UPDATE jobs SET status = 'queued', attempts = attempts - 1, next_attempt_at = $now, progress_done = 0, progress_total = NULL, {ClearLease} {HeldBy}";

    private const string DepthSql = $"""
        SELECT count(*) FILTER (WHERE {Claimable}),
               count(*) FILTER (WHERE status = 'queued' AND next_attempt_at > $now),
               count(*) FILTER (WHERE status = 'running' AND leased_until >= $now),
               count(*) FILTER (WHERE status = 'failed')
          FROM jobs
        """;

    public async Task<JobView> EnqueueAsync(NewJob job, CancellationToken cancellationToken = default)
    {
        await WriteAsync($"""
            INSERT INTO jobs (id, type, priority, parameters, next_attempt_at, created_at, updated_at)
            VALUES ($id, $type, $priority, $parameters, $now, $now, $now)
            """,
            [("$id", job.Id), ("$type", job.Type), ("$priority", JobPriority.Rank(job.Priority)), ("$parameters", job.Parameters)],
            cancellationToken).ConfigureAwait(false);
        return (await GetAsync(job.Id, cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<JobView?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        (await SqliteQuery.ListAsync(connections, $"SELECT {Columns} FROM jobs WHERE id = $id", [("$id", id)], ReadJob, cancellationToken)
            .ConfigureAwait(false)).SingleOrDefault().Job;

    public async Task<IReadOnlyList<(long Position, JobView Job)>> ListAsync(
        string? status, string? type, long beforePosition, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var sql = $"SELECT {Columns} FROM jobs WHERE position < $before"
            + (status is null ? "" : " AND status = $status")
            + (type is null ? "" : " AND type = $type")
            + " ORDER BY position DESC LIMIT $limit";
        return await SqliteQuery.ListAsync(connections, sql,
            [("$before", beforePosition), ("$limit", limit), ("$status", status), ("$type", type)], ReadJob, cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<JobLease>> ClaimAsync(
        string owner, int limit, TimeSpan lease, TimeSpan promoteAfter, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(promoteAfter, TimeSpan.Zero);
        await connections.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var claim = SqliteQuery.Command(connection, null, ClaimSql,
                ("$now", Now()), ("$lease_ms", Milliseconds(lease)), ("$owner", owner), ("$limit", limit),
                ("$promote_ms", Math.Max(1, Milliseconds(promoteAfter))));
            var leases = new List<JobLease>();
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                leases.Add(new JobLease(reader.GetString(0), reader.GetString(1), JobPriority.Name(reader.GetInt32(2)), reader.GetString(3),
                    reader.GetInt32(4), reader.GetString(5), SqliteTime.FromUnixMilliseconds(reader.GetInt64(6))));
            }
            return leases;
        }
        finally
        {
            connections.WriteGate.Release();
        }
    }

    public Task<bool> ExtendAsync(JobLease job, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        return HeldWriteAsync(ExtendSql, job, [("$lease_ms", Milliseconds(lease))], cancellationToken);
    }

    public Task<bool> ReportProgressAsync(JobLease job, long done, long? total, CancellationToken cancellationToken = default) =>
        HeldWriteAsync(ProgressSql, job, [("$done", done), ("$total", total)], cancellationToken);

    public Task<bool> AppendChunkAsync(JobLease job, int sequence, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        HeldWriteAsync(AppendSql, job, [("$seq", sequence), ("$data", data.ToArray())], cancellationToken);

    public Task<bool> CompleteAsync(JobLease job, JobFile file, CancellationToken cancellationToken = default) =>
        SettleAsync(CompleteSql, DropOtherRunsSql, job,
            [("$name", file.Name), ("$content_type", file.ContentType), ("$bytes", file.Bytes)], cancellationToken);

    public Task<bool> RetryAsync(JobLease job, TimeSpan delay, string error, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return HeldWriteAsync(RetrySql, job, [("$delay_ms", Milliseconds(delay)), ("$error", error)], cancellationToken);
    }

    public Task<bool> FailAsync(JobLease job, string error, CancellationToken cancellationToken = default) =>
        SettleAsync(FailSql, DropAllSql, job, [("$error", error)], cancellationToken);

    public Task<bool> ReleaseAsync(JobLease job, CancellationToken cancellationToken = default) =>
        HeldWriteAsync(ReleaseSql, job, [], cancellationToken);

    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadFileAsync(string id, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var token = (await SqliteQuery.ListAsync(connections, "SELECT file_token FROM jobs WHERE id = $id AND status = 'completed'",
            [("$id", id)], r => r.GetNullableString(0), cancellationToken).ConfigureAwait(false)).SingleOrDefault();
        if (token is null)
        {
            yield break;
        }
        for (var seq = 0; ; seq++)
        {
            var chunk = (await SqliteQuery.ListAsync(connections,
                "SELECT data FROM job_file_chunks WHERE job_id = $id AND lease_token = $token AND seq = $seq",
                [("$id", id), ("$token", token), ("$seq", seq)], r => (byte[])r.GetValue(0), cancellationToken).ConfigureAwait(false)).SingleOrDefault();
            if (chunk is null)
            {
                yield break;
            }
            yield return chunk;
        }
    }

    public async Task<JobQueueDepth> DepthAsync(CancellationToken cancellationToken = default) =>
        (await SqliteQuery.ListAsync(connections, DepthSql, [("$now", Now())],
            r => new JobQueueDepth(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3)), cancellationToken).ConfigureAwait(false))[0];

    private static (long Position, JobView Job) ReadJob(SqliteDataReader r) =>
        (r.GetInt64(0), new JobView(
            r.GetString(1), r.GetString(2), r.GetString(3), JobPriority.Name(r.GetInt32(4)), r.GetString(5), r.GetInt64(6),
            r.IsDBNull(7) ? null : r.GetInt64(7), r.GetInt32(8), Time(r, 9)!.Value, Time(r, 10), Time(r, 11), Time(r, 12),
            r.GetNullableString(13),
            r.IsDBNull(14) ? null : new JobFile(r.GetString(14), r.GetString(15), r.GetInt64(16))));

    private static DateTimeOffset? Time(SqliteDataReader r, int ordinal) =>
        r.IsDBNull(ordinal) ? null : SqliteTime.FromUnixMilliseconds(r.GetInt64(ordinal));

    private async Task<bool> HeldWriteAsync(string sql, JobLease job, (string Name, object? Value)[] extra, CancellationToken ct) =>
        await WriteAsync(sql, [("$id", job.Id), ("$token", job.LeaseToken), .. extra], ct).ConfigureAwait(false) == 1;

    /// <summary>The outcome and the chunk clean-up in one transaction; the clean-up only when the outcome was the holder's.</summary>
    private async Task<bool> SettleAsync(string settle, string drop, JobLease job, (string Name, object? Value)[] extra, CancellationToken ct)
    {
        await connections.WriteGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await using var connection = await connections.OpenAsync(ct).ConfigureAwait(false);
            await using var transaction = connection.BeginTransaction(deferred: false);
            await using var update = SqliteQuery.Command(connection, transaction, settle,
                [("$id", job.Id), ("$token", job.LeaseToken), ("$now", Now()), .. extra]);
            if (await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false) != 1)
            {
                return false;
            }
            await using var delete = SqliteQuery.Command(connection, transaction, drop, ("$id", job.Id), ("$token", job.LeaseToken));
            await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return true;
        }
        finally
        {
            connections.WriteGate.Release();
        }
    }

    private Task<int> WriteAsync(string sql, IEnumerable<(string Name, object? Value)> parameters, CancellationToken ct) =>
        SqliteQuery.WriteAsync(connections, sql, [.. parameters, ("$now", Now())], ct);

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    private static long Milliseconds(TimeSpan span) => (long)Math.Ceiling(span.TotalMilliseconds);
}
