namespace Pipeline.Actors.Jobs;

/// <summary>
/// Durable jobs shared by every node: queued by the API, claimed with a lease by the <c>jobs</c> pipeline, their result
/// files stored in chunks. As with work items, only the holder of the current lease token changes a claimed job, and a
/// job whose lease expired (its node died) is claimed again by any node.
/// </summary>
public interface IJobStore
{
    /// <summary>The size of a stored file chunk: neither writing nor serving a file holds more of it in memory.</summary>
    public const int ChunkBytes = 256 * 1024;

    Task<JobView> EnqueueAsync(NewJob job, CancellationToken cancellationToken = default);

    Task<JobView?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Jobs newest first, optionally of one status and type, paged by position (positions below <paramref name="beforePosition"/>).</summary>
    Task<IReadOnlyList<(long Position, JobView Job)>> ListAsync(
        string? status, string? type, long beforePosition, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Leases up to <paramref name="limit"/> due jobs (queued, or running under an expired lease), first by rank, then by
    /// due time. A job's rank is its priority's (high 0, normal 1, low 2) less one for every <paramref name="promoteAfter"/>
    /// it has waited since it was created, at least 0: a high job goes before every normal and low one queued within
    /// <paramref name="promoteAfter"/> of it, and a low job waits at most twice <paramref name="promoteAfter"/> behind
    /// newer ones. Each claim counts an attempt.
    /// </summary>
    Task<IReadOnlyList<JobLease>> ClaimAsync(
        string owner, int limit, TimeSpan lease, TimeSpan promoteAfter, CancellationToken cancellationToken = default);

    /// <summary>Extends a lease still held. False when it was lost: the run must stop.</summary>
    Task<bool> ExtendAsync(JobLease job, TimeSpan lease, CancellationToken cancellationToken = default);

    Task<bool> ReportProgressAsync(JobLease job, long done, long? total, CancellationToken cancellationToken = default);

    /// <summary>Stores chunk <paramref name="sequence"/> (from 0) of this run's file. False when the lease was lost.</summary>
    Task<bool> AppendChunkAsync(JobLease job, int sequence, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Completes the job with the file this run wrote, and drops chunks other runs left behind.</summary>
    Task<bool> CompleteAsync(JobLease job, JobFile file, CancellationToken cancellationToken = default);

    /// <summary>Queues the job again after <paramref name="delay"/>, keeping <paramref name="error"/> as its last.</summary>
    Task<bool> RetryAsync(JobLease job, TimeSpan delay, string error, CancellationToken cancellationToken = default);

    /// <summary>Gives up: the job is failed with <paramref name="error"/>, and any chunks are dropped.</summary>
    Task<bool> FailAsync(JobLease job, string error, CancellationToken cancellationToken = default);

    /// <summary>Hands the job back due now, its attempt not counted (a node stopping): another node claims it at once.</summary>
    Task<bool> ReleaseAsync(JobLease job, CancellationToken cancellationToken = default);

    /// <summary>The completed job's file, chunk by chunk (one read per chunk); empty when the job has none.</summary>
    IAsyncEnumerable<ReadOnlyMemory<byte>> ReadFileAsync(string id, CancellationToken cancellationToken = default);

    Task<JobQueueDepth> DepthAsync(CancellationToken cancellationToken = default);
}
