namespace Pipeline.Streams.Stages.Parallel;

/// <summary>Defaults and limits of <see cref="Graph.PipelineSettings.Parallelism"/> (<see cref="LiveParallel{TIn, TOut}"/>).</summary>
public static class ParallelDefaults
{
    /// <summary>Items worked on at once when nothing is configured.</summary>
    public const int Parallelism = 4;

    public const int MinParallelism = 1;

    public const int MaxParallelism = 1024;

    /// <summary>Throws unless <paramref name="parallelism"/> is in [<see cref="MinParallelism"/>, <see cref="MaxParallelism"/>].</summary>
    public static void ValidateParallelism(int parallelism, string paramName)
    {
        if (parallelism is < MinParallelism or > MaxParallelism)
        {
            throw new ArgumentOutOfRangeException(paramName, parallelism,
                $"Parallelism must be from {MinParallelism} to {MaxParallelism}.");
        }
    }
}
