namespace Pipeline.Actors.Jobs;

/// <summary>
/// The contract's priorities and their stored rank (0 is first). A waiting job climbs one rank for every
/// <c>promoteAfter</c> it has waited (see <see cref="IJobStore.ClaimAsync"/>), so <c>low</c> never starves.
/// </summary>
public static class JobPriority
{
    public const string High = "high";
    public const string Normal = "normal";
    public const string Low = "low";

    public static IReadOnlyList<string> All { get; } = [High, Normal, Low];

    public static int Rank(string priority) => priority switch
    {
        High => 0,
        Normal => 1,
        Low => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(priority), priority, "Expected high, normal or low."),
    };

    public static string Name(int rank) => All[rank];
}
