namespace Pipeline.Host.Configuration;

/// <summary><c>Pipeline:Node</c>.</summary>
public sealed class NodeOptions
{
    public const string Section = "Pipeline:Node";

    /// <summary>Unique per node of a cluster. Default: host name and the port(s) it listens on.</summary>
    public string Name { get; set; } = "";
}
