namespace Pipeline.Host.Configuration;

/// <summary><c>Pipeline:Node</c>.</summary>
public sealed class NodeOptions
{
    public const string Section = "Pipeline:Node";

    /// <summary>Unique per node of a cluster. Default: host name and the port(s) it listens on.</summary>
    public string Name { get; set; } = "";

    /// <summary>How often this node records a heartbeat in storage. Default 5 s; above zero.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A node whose last heartbeat is older than this is shown as gone. Default 15 s; above <see cref="HeartbeatInterval"/>.</summary>
    public TimeSpan GoneAfter { get; set; } = TimeSpan.FromSeconds(15);
}
