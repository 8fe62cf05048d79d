namespace Pipeline.Actors.Cluster;

/// <summary>How <see cref="ClusterFormation"/> joins: whom to ask, and how long to wait.</summary>
/// <param name="NodeName">This node's row in the nodes table (<c>Pipeline:Node:Name</c>).</param>
/// <param name="GoneAfter">A node whose last beat is older than this is not live, so never a seed (<c>Pipeline:Node:GoneAfter</c>).</param>
public sealed record ClusterJoinSettings(string NodeName, TimeSpan GoneAfter)
{
    /// <summary>Configured seed nodes (<c>Pipeline:Cluster:SeedNodes</c>); when any, they win and storage is not asked whom to join.</summary>
    public IReadOnlyList<string> SeedNodes { get; init; } = [];

    /// <summary>One node alone on its storage (SQLite): it forms a cluster of one, whatever else the nodes table holds.</summary>
    public bool SingleNode { get; init; }

    /// <summary>How long one attempt may take before the nodes that did not let this one in are probed and storage is asked again. Default 10 s.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a seed has to answer the liveness probe; one that does not is treated as dead. Default 2 s.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Start-up fails if this node is not Up within this (<c>Pipeline:Cluster:JoinTimeout</c>). Default 60 s.</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
