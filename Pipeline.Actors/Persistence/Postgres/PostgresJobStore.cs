using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Npgsql;
using Pipeline.Actors.Jobs;
using static Pipeline.Actors.Persistence.Postgres.PostgresQuery;

namespace Pipeline.Actors.Persistence.Postgres;

/// <summary>
/// Jobs on PostgreSQL, shared by every node; one statement per operation and every time the database's <c>now()</c>.
/// As in <see cref="PostgresWorkQueue"/>, the claim itself takes jobs whose lease expired (no separate rescuer), and
/// every write of a run is guarded by its lease token.
/// </summary>
internal sealed class PostgresJobStore(NpgsqlDataSource dataSource) : IJobStore
{
    private const string Columns = """
        position, id, type, status, priority, parameters, progress_done, progress_total, attempts, created_at, started_at,
        completed_at, CASE WHEN status = 'queued' THEN next_attempt_at END, error, file_name, content_type, file_bytes
        """;

    private const string Claimable =
        "status IN ('queued', 'running') AND next_attempt_at <= now() AND (leased_until IS NULL OR leased_until < now())";

    /// <summary>Rank first (the priority less one per <c>$4</c> seconds waited, at least 0), then due time, then age.</summary>
    private const string ClaimSql = $"""
        WITH picked AS (
            SELECT id
              FROM jobs
             WHERE {Claimable}
             ORDER BY GREATEST(priority - floor(extract(epoch FROM now() - created_at)::float8 / $4::float8)::int, 0),
                      next_attempt_at, position
             LIMIT $3
               FOR UPDATE SKIP LOCKED)
        UPDATE jobs j
           SET status = 'running', leased_until = now() + $2, lease_owner = $1, lease_token = gen_random_uuid()::text,
               attempts = j.attempts + 1, started_at = coalesce(j.started_at, now()), updated_at = now()
          FROM picked
         WHERE j.id = picked.id
        RETURNING j.id, j.type, j.priority, j.parameters, j.attempts, j.lease_token, j.leased_until
        """;

    /// <summary>Only the lease holder changes a running job.</summary>
    private const string HeldBy = "WHERE id = $1 AND lease_token = $2 AND status = 'running'";

    private const string ClearLease = "leased_until = NULL, lease_owner = NULL, lease_token = NULL, updated_at = now()";

    private const string ExtendSql = $"UPDATE jobs SET leased_until = now() + $3, updated_at = now() {HeldBy} AND leased_until >= now()";

    private const string ProgressSql = $"UPDATE jobs SET progress_done = $3, progress_total = $4, updated_at = now() {HeldBy}";

    private const string AppendSql = """
        INSERT INTO job_file_chunks (job_id, lease_token, seq, data)
        SELECT $1, $2, $3, $4
         WHERE EXISTS (SELECT 1 FROM jobs WHERE id = $1 AND lease_token = $2 AND status = 'running')
        """;

    private const string CompleteSql = $"""
        WITH done AS (
            UPDATE jobs
               SET status = 'completed', completed_at = now(), file_token = lease_token, file_name = $3, content_type = $4,
                   file_bytes = $5, error = NULL, {ClearLease}
             {HeldBy}
            RETURNING id, file_token),
        dropped AS (
            DELETE FROM job_file_chunks c USING done WHERE c.job_id = done.id AND c.lease_token <> done.file_token)
        SELECT count(*) FROM done
        """;

    private const string RetrySql =
        $"UPDATE jobs SET status = 'queued', next_attempt_at = now() + $3, error = $4, progress_done = 0, progress_total = NULL, {ClearLease} {HeldBy}";

    private const string FailSql = $"""
        WITH failed AS (
            UPDATE jobs SET status = 'failed', completed_at = now(), error = $3, {ClearLease} {HeldBy} RETURNING id),
        dropped AS (
            DELETE FROM job_file_chunks c USING failed WHERE c.job_id = failed.id)
        SELECT count(*) FROM failed
        """;

    /// <summary>A stop hands the job back untouched: its attempt is not counted, and it is due at once.</summary>
    private const string ReleaseSql =
        $"UPDATE jobs SET status = 'queued', attempts = attempts - 1, next_attempt_at = now(), progress_done = 0, progress_total = NULL, {ClearLease} {HeldBy}";

    private const string DepthSql = $"""
        SELECT count(*) FILTER (WHERE {Claimable}),
               count(*) FILTER (WHERE status = 'queued' AND next_attempt_at > now()),
               count(*) FILTER (WHERE status = 'running' AND leased_until >= now()),
               count(*) FILTER (WHERE status = 'failed')
          FROM jobs
        """;

    public async Task<JobView> EnqueueAsync(NewJob job, CancellationToken cancellationToken = default)
    {
        var rows = await PostgresQuery.ListAsync(dataSource,
            $"INSERT INTO jobs (id, type, priority, parameters) VALUES ($1, $2, $3, $4) RETURNING {Columns}",
            [Value(job.Id), Value(job.Type), Value((short)JobPriority.Rank(job.Priority)), Value(job.Parameters)],
            ReadJob, cancellationToken).ConfigureAwait(false);
        return rows[0].Job;
    }

    public async Task<JobView?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        (await PostgresQuery.ListAsync(dataSource, $"SELECT {Columns} FROM jobs WHERE id = $1", [Value(id)], ReadJob, cancellationToken)
            .ConfigureAwait(false)).SingleOrDefault().Job;

    public async Task<IReadOnlyList<(long Position, JobView Job)>> ListAsync(
        string? status, string? type, long beforePosition, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        List<NpgsqlParameter> parameters = [Value(beforePosition), Value(limit)];
        var sql = $"SELECT {Columns} FROM jobs WHERE position < $1";
        if (status is not null)
        {
            parameters.Add(Value(status));
            sql += $" AND status = ${parameters.Count}";
        }
        if (type is not null)
        {
            parameters.Add(Value(type));
            sql += $" AND type = ${parameters.Count}";
        }
        return await PostgresQuery.ListAsync(dataSource, sql + " ORDER BY position DESC LIMIT $2", parameters, ReadJob, cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<JobLease>> ClaimAsync(
        string owner, int limit, TimeSpan lease, TimeSpan promoteAfter, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(promoteAfter, TimeSpan.Zero);
        return await PostgresQuery.ListAsync(dataSource, ClaimSql,
            [Value(owner), Value(lease), Value(limit), Value(promoteAfter.TotalSeconds)],
            r => new JobLease(r.GetString(0), r.GetString(1), JobPriority.Name(r.GetInt16(2)), r.GetString(3), r.GetInt32(4), r.GetString(5), r.GetTime(6)),
            cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> ExtendAsync(JobLease job, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        return ExecuteAsync(ExtendSql, job, [Value(lease)], cancellationToken);
    }

    public Task<bool> ReportProgressAsync(JobLease job, long done, long? total, CancellationToken cancellationToken = default) =>
        ExecuteAsync(ProgressSql, job, [Value(done), Value(total)], cancellationToken);

    public Task<bool> AppendChunkAsync(JobLease job, int sequence, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var bytes = MemoryMarshal.TryGetArray(data, out var segment) ? segment : new ArraySegment<byte>(data.ToArray());
        return ExecuteAsync(AppendSql, job, [Value(sequence), Value(bytes)], cancellationToken);
    }

    public Task<bool> CompleteAsync(JobLease job, JobFile file, CancellationToken cancellationToken = default) =>
        CountAsync(CompleteSql, job, [Value(file.Name), Value(file.ContentType), Value(file.Bytes)], cancellationToken);

    public Task<bool> RetryAsync(JobLease job, TimeSpan delay, string error, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return ExecuteAsync(RetrySql, job, [Value(delay), Value(error)], cancellationToken);
    }

    public Task<bool> FailAsync(JobLease job, string error, CancellationToken cancellationToken = default) =>
        CountAsync(FailSql, job, [Value(error)], cancellationToken);

    public Task<bool> ReleaseAsync(JobLease job, CancellationToken cancellationToken = default) =>
        ExecuteAsync(ReleaseSql, job, [], cancellationToken);

    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadFileAsync(string id, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var token = (await PostgresQuery.ListAsync(dataSource, "SELECT file_token FROM jobs WHERE id = $1 AND status = 'completed'",
            [Value(id)], r => r.GetNullableString(0), cancellationToken).ConfigureAwait(false)).SingleOrDefault();
        if (token is null)
        {
            yield break;
        }
        // One chunk per statement: no connection is held while the caller writes a chunk to a slow client.
        for (var seq = 0; ; seq++)
        {
            var chunk = (await PostgresQuery.ListAsync(dataSource,
                "SELECT data FROM job_file_chunks WHERE job_id = $1 AND lease_token = $2 AND seq = $3",
                [Value(id), Value(token), Value(seq)], r => r.GetFieldValue<byte[]>(0), cancellationToken).ConfigureAwait(false)).SingleOrDefault();
            if (chunk is null)
            {
                yield break;
            }
            yield return chunk;
        }
    }

    public async Task<JobQueueDepth> DepthAsync(CancellationToken cancellationToken = default) =>
        (await PostgresQuery.ListAsync(dataSource, DepthSql, [],
            r => new JobQueueDepth(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3)), cancellationToken).ConfigureAwait(false))[0];

    private static (long Position, JobView Job) ReadJob(NpgsqlDataReader r) =>
        (r.GetInt64(0), new JobView(
            r.GetString(1), r.GetString(2), r.GetString(3), JobPriority.Name(r.GetInt16(4)), r.GetString(5), r.GetInt64(6),
            r.IsDBNull(7) ? null : r.GetInt64(7), r.GetInt32(8), r.GetTime(9), r.GetNullableTime(10), r.GetNullableTime(11),
            r.GetNullableTime(12), r.GetNullableString(13),
            r.IsDBNull(14) ? null : new JobFile(r.GetString(14), r.GetString(15), r.GetInt64(16))));

    private async Task<bool> ExecuteAsync(string sql, JobLease job, NpgsqlParameter[] extra, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddRange((NpgsqlParameter[])[Value(job.Id), Value(job.LeaseToken), .. extra]);
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    /// <summary>For statements whose change is in a CTE: they answer how many jobs they changed.</summary>
    private async Task<bool> CountAsync(string sql, JobLease job, NpgsqlParameter[] extra, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddRange((NpgsqlParameter[])[Value(job.Id), Value(job.LeaseToken), .. extra]);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }
}
