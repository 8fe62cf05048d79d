namespace Pipeline.Actors.Cluster;

public enum NodeStatus
{
    /// <summary>Beat within the horizon and has not left.</summary>
    Up,

    /// <summary>Left gracefully, or no beat within the horizon (killed, hung, cut off).</summary>
    Gone,
}
