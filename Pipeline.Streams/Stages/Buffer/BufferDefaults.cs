namespace Pipeline.Streams.Stages.Buffer;

/// <summary>Defaults and limits of <see cref="Graph.PipelineSettings.BufferSize"/> (<see cref="LiveBuffer{T}"/>, the leased source's budget).</summary>
public static class BufferDefaults
{
    /// <summary>Items held when nothing is configured.</summary>
    public const int Capacity = 256;

    public const int MinCapacity = 1;

    public const int MaxCapacity = 100_000;

    /// <summary>Throws unless <paramref name="capacity"/> is in [<see cref="MinCapacity"/>, <see cref="MaxCapacity"/>].</summary>
    public static void ValidateCapacity(int capacity, string paramName)
    {
        if (capacity is < MinCapacity or > MaxCapacity)
        {
            throw new ArgumentOutOfRangeException(paramName, capacity,
                $"The buffer size must be from {MinCapacity} to {MaxCapacity} items.");
        }
    }
}
