namespace Pipeline.Tests.Streams;

/// <summary>
/// Tests that run alone, after the parallel ones: the webhook crash tests, which start and kill host processes. No
/// test here measures real time any more (the throttle and the isolation tests prove their claims on a manual clock
/// or against timeouts nothing can reach), so a loaded machine cannot fail them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Real-time measurements";
}
