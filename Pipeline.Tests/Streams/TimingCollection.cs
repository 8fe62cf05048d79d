namespace Pipeline.Tests.Streams;

/// <summary>
/// Tests that measure real time (only the throttle's rate) run alone, after the parallel ones, so another test's
/// load on a two-core machine does not make the timer late.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Real-time measurements";
}
