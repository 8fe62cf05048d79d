using Pipeline.Streams.Graph;

namespace Pipeline.Streams.Stages.Parallel;

public sealed class ParallelStageOptions<TIn>
{
    /// <summary>Items worked on at once; default <see cref="ParallelDefaults.Parallelism"/>, from 1 to 1,024. Changeable later through <see cref="ParallelStage{TIn, TOut}.Parallelism"/>.</summary>
    public int Parallelism { get; init; } = ParallelDefaults.Parallelism;

    /// <summary>
    /// Told about each item whose step threw, after it was counted as failed; this is where a caller reschedules the
    /// item in storage (see <see cref="Retry.RetrySchedule"/>). None by default: the failure is only counted. If this
    /// callback throws, the stage fails.
    /// </summary>
    public Func<TIn, Exception, CancellationToken, ValueTask>? OnFailure { get; init; }

    /// <summary>Where the stage reports in-flight, processed and failed items; none by default.</summary>
    public StageCounters? Counters { get; init; }
}
