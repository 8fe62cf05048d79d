using Pipeline.Streams.Graph;

namespace Pipeline.Streams.Stages.Buffer;

public sealed class BufferStageOptions
{
    /// <summary>Items held at most; default <see cref="BufferDefaults.Capacity"/>, from 1 to 100,000. Changeable later through <see cref="BufferStage{T}.Capacity"/>.</summary>
    public int Capacity { get; init; } = BufferDefaults.Capacity;

    /// <summary>Where the buffer reports its depth (<see cref="StageCounters.QueueDepth"/>); none by default.</summary>
    public StageCounters? Counters { get; init; }
}
