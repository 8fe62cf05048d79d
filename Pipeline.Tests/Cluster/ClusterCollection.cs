namespace Pipeline.Tests.Cluster;

/// <summary>
/// The tests of a real three-node cluster share one set of host processes (starting three hosts costs seconds) and run
/// alone, after the parallel tests: they measure takeover and drain times, which another test's load on a two-core
/// machine would stretch.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Three-node cluster";
}
