using Pipeline.Actors.Jobs;

namespace Pipeline.Streams.Jobs;

/// <summary>Runs the jobs of one type. The <c>jobs</c> pipeline claims, keeps the lease, retries and settles; the handler does the work.</summary>
public interface IJobHandler
{
    /// <summary>The job type it runs (<c>export</c>).</summary>
    string Type { get; }

    /// <summary>
    /// Does the work of one attempt and returns the file it wrote. Throws <see cref="JobRejectedException"/> for a job
    /// that can never succeed (no retry), anything else to be retried on <c>Pipeline:Jobs:RetryDelays</c>.
    /// </summary>
    Task<JobFile> RunAsync(JobRun run, CancellationToken cancellationToken);
}
