namespace Pipeline.Actors.Cluster;

/// <summary>A node as the registry last heard of it.</summary>
/// <param name="ClusterAddress">Where it receives Akka cluster traffic (<c>akka.tcp://pipeline@host:port</c>), once recorded.</param>
/// <param name="StoppedAt">When it left gracefully; null while it runs (or when it died without leaving).</param>
public sealed record NodeRecord(
    string Name,
    NodeStatus Status,
    DateTimeOffset StartedAt,
    DateTimeOffset LastHeartbeat,
    DateTimeOffset? StoppedAt,
    IReadOnlyList<string> Pipelines,
    IReadOnlyDictionary<string, long> InFlight,
    string? Version,
    string? Address,
    string? ClusterAddress = null);
