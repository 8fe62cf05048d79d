using Pipeline.Actors.Jobs;

namespace Pipeline.Streams.Jobs;

/// <summary>One attempt of a claimed job, as its handler sees it: the job, progress reports and the result file, all under its lease.</summary>
public sealed class JobRun(IJobStore store, JobLease lease)
{
    public JobLease Lease { get; } = lease;

    /// <summary>Records progress; throws <see cref="JobLeaseLostException"/> when another node holds the job now.</summary>
    public async Task ReportProgressAsync(long done, long? total, CancellationToken cancellationToken)
    {
        if (!await store.ReportProgressAsync(Lease, done, total, cancellationToken).ConfigureAwait(false))
        {
            throw new JobLeaseLostException(Lease.Id);
        }
    }

    /// <summary>The run's result file, written to storage in chunks as it grows.</summary>
    public JobFileWriter CreateFile() => new(store, Lease);
}
