namespace Pipeline.Actors.Cluster;

/// <summary>This node could not become an Up member of a cluster within <see cref="ClusterJoinSettings.JoinTimeout"/>.</summary>
public sealed class ClusterJoinException(string message) : Exception(message);
