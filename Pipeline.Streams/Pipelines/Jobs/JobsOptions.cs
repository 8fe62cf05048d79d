namespace Pipeline.Streams.Pipelines.Jobs;

/// <summary><c>Pipeline:Jobs</c>: retries and priorities of background jobs. Lease and polling are <see cref="PipelineOptions"/>'s.</summary>
public sealed class JobsOptions
{
    public const string Section = "Pipeline:Jobs";

    /// <summary>5 s, 30 s, 2 min: the waits before the second, third and fourth attempt.</summary>
    public static readonly TimeSpan[] DefaultRetryDelays = [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2)];

    /// <summary>The wait before each retry of a failed job, in order; after the last the job is <c>failed</c>. Empty means the defaults.</summary>
    public TimeSpan[] RetryDelays { get; set; } = [];

    /// <summary>
    /// A waiting job is promoted one priority level for each of these it has waited (low to normal, then to high), so a
    /// stream of high jobs delays a low one at most twice this. Default 10 min; above 0.
    /// </summary>
    public TimeSpan PromoteAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// At most this many rows a second per export (0, the default: as fast as storage answers), so that a large export on
    /// a busy database leaves room for payments and consumes; the lease is kept alive meanwhile.
    /// </summary>
    public int ExportRowsPerSecond { get; set; }
}
