using Pipeline.Streams.Stages.Buffer;
using Pipeline.Streams.Stages.Parallel;
using Pipeline.Streams.Stages.Throttle;

namespace Pipeline.Streams.Graph;

/// <summary>
/// The knobs an operator turns on a running pipeline. Held in a <see cref="LiveSettings{T}"/> made by
/// <see cref="Live"/>, which refuses invalid values and keeps the old ones.
/// </summary>
/// <param name="RatePerSecond">Items per second through the throttle; above 0, at most 100,000. Live.</param>
/// <param name="Parallelism">Items worked on at once; 1 to 1,024. Live: growing starts work at once, shrinking lets running items finish.</param>
/// <param name="BufferSize">Items held between the source and the throttle; 1 to 100,000. Live: shrinking drains, it drops nothing.</param>
/// <param name="Paused">When true no new item is pulled past the pause gate; running items finish. Live.</param>
public sealed record PipelineSettings(double RatePerSecond, int Parallelism, int BufferSize, bool Paused)
{
    public static PipelineSettings Default { get; } =
        new(ThrottleDefaults.RatePerSecond, ParallelDefaults.Parallelism, BufferDefaults.Capacity, Paused: false);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first field out of range.</summary>
    public static void Validate(PipelineSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ThrottleDefaults.ValidateRate(settings.RatePerSecond, nameof(RatePerSecond));
        ParallelDefaults.ValidateParallelism(settings.Parallelism, nameof(Parallelism));
        BufferDefaults.ValidateCapacity(settings.BufferSize, nameof(BufferSize));
    }

    /// <summary>A live holder starting at <paramref name="initial"/> (or <see cref="Default"/>), validating every change.</summary>
    public static LiveSettings<PipelineSettings> Live(PipelineSettings? initial = null) =>
        new(initial ?? Default, Validate);
}
