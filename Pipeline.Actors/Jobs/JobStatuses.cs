namespace Pipeline.Actors.Jobs;

/// <summary>The contract's job states. A job whose lease ran out stays <see cref="Running"/> until another node claims it.</summary>
public static class JobStatuses
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";

    public static IReadOnlyList<string> All { get; } = [Queued, Running, Completed, Failed];
}
