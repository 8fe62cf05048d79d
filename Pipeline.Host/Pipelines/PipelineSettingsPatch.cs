using System.Globalization;
using Pipeline.Streams.Graph;
using Pipeline.Streams.Stages.Buffer;
using Pipeline.Streams.Stages.Parallel;
using Pipeline.Streams.Stages.Throttle;

namespace Pipeline.Host.Pipelines;

/// <summary>
/// Some of a pipeline's four settings, as an operator gives them: the body of <c>PUT /api/admin/pipelines/{name}</c>
/// or the keys present under <c>Pipeline:Pipelines:{name}</c>. A null field leaves the running value as it is.
/// </summary>
public sealed record PipelineSettingsPatch(double? RatePerSecond = null, int? Parallelism = null, int? BufferSize = null, bool? Paused = null)
{
    public static PipelineSettingsPatch None { get; } = new();

    public bool IsEmpty => this == None;

    public PipelineSettings ApplyTo(PipelineSettings current) => new(
        RatePerSecond ?? current.RatePerSecond,
        Parallelism ?? current.Parallelism,
        BufferSize ?? current.BufferSize,
        Paused ?? current.Paused);

    /// <summary>The fields given here whose value differs from <paramref name="previous"/>: what an edit of the file changed.</summary>
    public PipelineSettingsPatch ChangedSince(PipelineSettingsPatch previous) => new(
        RatePerSecond != previous.RatePerSecond ? RatePerSecond : null,
        Parallelism != previous.Parallelism ? Parallelism : null,
        BufferSize != previous.BufferSize ? BufferSize : null,
        Paused != previous.Paused ? Paused : null);

    /// <summary>Each given field out of range, by setting name, with what is allowed (the ranges of <see cref="PipelineSettings"/>).</summary>
    public IReadOnlyDictionary<string, string> Errors()
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        if (RatePerSecond is { } rate && !(rate > 0 && rate <= ThrottleDefaults.MaxRatePerSecond))
        {
            errors[nameof(RatePerSecond)] = $"must be above 0 and at most {ThrottleDefaults.MaxRatePerSecond.ToString(CultureInfo.InvariantCulture)} items per second.";
        }
        if (Parallelism is < ParallelDefaults.MinParallelism or > ParallelDefaults.MaxParallelism)
        {
            errors[nameof(Parallelism)] = $"must be from {ParallelDefaults.MinParallelism} to {ParallelDefaults.MaxParallelism}.";
        }
        if (BufferSize is < BufferDefaults.MinCapacity or > BufferDefaults.MaxCapacity)
        {
            errors[nameof(BufferSize)] = $"must be from {BufferDefaults.MinCapacity} to {BufferDefaults.MaxCapacity} items.";
        }
        return errors;
    }

    public override string ToString()
    {
        var parts = new List<string>();
        if (RatePerSecond is { } rate) parts.Add(FormattableString.Invariant($"{nameof(RatePerSecond)}={rate}"));
        if (Parallelism is { } parallelism) parts.Add(FormattableString.Invariant($"{nameof(Parallelism)}={parallelism}"));
        if (BufferSize is { } buffer) parts.Add(FormattableString.Invariant($"{nameof(BufferSize)}={buffer}"));
        if (Paused is { } paused) parts.Add($"{nameof(Paused)}={(paused ? "true" : "false")}");
        return parts.Count == 0 ? "no change" : string.Join(", ", parts);
    }
}
