namespace Pipeline.Streams.Pipelines;

/// <summary><c>Pipeline:Pipelines</c>: how pipelines claim work. Per-pipeline settings live under <c>Pipeline:Pipelines:{name}</c>.</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline:Pipelines";

    /// <summary>How long a claim lasts before another node may take the work over. Default 30 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// On a graceful stop (SIGTERM), how long in-flight work may take to finish before it is handed back unfinished.
    /// Keep it below the host's shutdown timeout (30 s by default). Default 10 s.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an idle source waits before looking for work again. Default 250 ms.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>First wait before restarting a failed graph; doubles up to <see cref="MaxRestartBackoff"/>. Default 1 s.</summary>
    public TimeSpan MinRestartBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRestartBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Failed share of WhatsApp calls that opens its circuit. Default 0.5.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Calls in the sampling window before the ratio counts. Default 10.</summary>
    public int BreakerMinimumThroughput { get; set; } = 10;

    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit refuses calls before one trial. Default 30 s.</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}
