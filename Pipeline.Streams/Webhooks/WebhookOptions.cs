namespace Pipeline.Streams.Webhooks;

/// <summary><c>Pipeline:Webhooks</c>: how outgoing webhooks are sent and retried.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Pipeline:Webhooks";

    /// <summary>Svix's schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (eight attempts over about 27.6 h).</summary>
    public static readonly TimeSpan[] DefaultRetryDelays =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    /// <summary>
    /// Delay before each retry, each moved by up to ±20 %; a delivery gets one attempt plus one per entry, then it is
    /// dead. Default <see cref="DefaultRetryDelays"/>, applied after binding when configuration names none (the binder
    /// appends to an array that already has items). Each at least 0, at most 50 entries.
    /// </summary>
    public TimeSpan[] RetryDelays { get; set; } = [];

    /// <summary>Timeout of one attempt, from connecting to the response headers. Default 15 s; above 0, at most 5 min.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// When true, endpoints may point at private, loopback and link-local addresses (tests, a private deployment).
    /// Default false: such URLs are refused at creation and such addresses at connect time.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>
    /// Attempts in flight to one endpoint on one node at once (its lane). A hanging endpoint holds at most this many of
    /// the pipeline's parallelism. Default 4; 1 to 1,024.
    /// </summary>
    public int MaxInFlightPerEndpoint { get; set; } = 4;

    /// <summary>Failed share of one endpoint's attempts in the sampling window that opens its circuit. Default 0.5; above 0, at most 1.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Attempts to one endpoint in the window before the ratio counts. Default 4; at least 2.</summary>
    public int BreakerMinimumThroughput { get; set; } = 4;

    /// <summary>Window the failure ratio is measured over. Default 60 s; at least 0.5 s.</summary>
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long an open circuit claims nothing for its endpoint before one trial attempt. Default 30 s; at least 0.5 s.</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (RetryDelays.Length > 50 || RetryDelays.Any(d => d < TimeSpan.Zero))
        {
            throw new ArgumentException($"{Section}:RetryDelays must hold at most 50 delays, none negative.");
        }
        if (AttemptTimeout <= TimeSpan.Zero || AttemptTimeout > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentException($"{Section}:AttemptTimeout must be above 0 and at most 00:05:00, not {AttemptTimeout}.");
        }
        if (MaxInFlightPerEndpoint is < 1 or > 1024)
        {
            throw new ArgumentException($"{Section}:MaxInFlightPerEndpoint must be 1 to 1024, not {MaxInFlightPerEndpoint}.");
        }
        if (!(BreakerFailureRatio > 0 && BreakerFailureRatio <= 1))
        {
            throw new ArgumentException($"{Section}:BreakerFailureRatio must be above 0 and at most 1, not {BreakerFailureRatio}.");
        }
        if (BreakerMinimumThroughput < 2)
        {
            throw new ArgumentException($"{Section}:BreakerMinimumThroughput must be at least 2, not {BreakerMinimumThroughput}.");
        }
        if (BreakerSamplingDuration < TimeSpan.FromMilliseconds(500))
        {
            throw new ArgumentException($"{Section}:BreakerSamplingDuration must be at least 00:00:00.5, not {BreakerSamplingDuration}.");
        }
        if (BreakerBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            throw new ArgumentException($"{Section}:BreakerBreakDuration must be at least 00:00:00.5, not {BreakerBreakDuration}.");
        }
    }
}
