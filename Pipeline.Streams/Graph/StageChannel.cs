using System.Threading.Channels;

namespace Pipeline.Streams.Graph;

/// <summary>The one kind of channel between stages: bounded and waiting when full, so memory stays bounded.</summary>
public static class StageChannel
{
    /// <summary>Capacity of the channel after a stage when the caller names none: one item in hand, as Akka's async boundary of 1.</summary>
    public const int DefaultCapacity = 1;

    public static Channel<T> CreateBounded<T>(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        return Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            // Stages are free to read or write from several tasks (the parallel stage writes from each worker).
            SingleReader = false,
            SingleWriter = false,
        });
    }
}
