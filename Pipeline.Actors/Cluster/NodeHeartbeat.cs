namespace Pipeline.Actors.Cluster;

/// <summary>What a node says about itself on every beat.</summary>
/// <param name="Name">Unique per node of a cluster (<c>Pipeline:Node:Name</c>).</param>
/// <param name="Pipelines">The pipelines this node runs now.</param>
/// <param name="InFlight">What it is working on: items in flight per pipeline.</param>
/// <param name="Version">The build it runs, if known.</param>
/// <param name="Address">Where it serves HTTP, if known.</param>
/// <param name="ClusterAddress">Where it receives Akka cluster traffic, once known; null keeps what was recorded.</param>
public sealed record NodeHeartbeat(
    string Name,
    IReadOnlyList<string> Pipelines,
    IReadOnlyDictionary<string, long> InFlight,
    string? Version = null,
    string? Address = null,
    string? ClusterAddress = null);
