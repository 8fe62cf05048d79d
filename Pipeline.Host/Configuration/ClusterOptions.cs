using Pipeline.Actors.Cluster;
using Pipeline.Actors.Persistence;

namespace Pipeline.Host.Configuration;

/// <summary><c>Pipeline:Cluster</c>: where this node receives Akka cluster traffic, and how it finds the others.</summary>
public sealed class ClusterOptions
{
    public const string Section = "Pipeline:Cluster";

    /// <summary>The host name or IP other nodes reach this one at (Akka remoting). Default <c>127.0.0.1</c>; required.</summary>
    public string Hostname { get; set; } = "127.0.0.1";

    /// <summary>The TCP port of cluster traffic. Default 0: any free port (recorded in storage, so others still find it); 0..65535.</summary>
    public int Port { get; set; }

    /// <summary>
    /// Addresses to join (<c>akka.tcp://pipeline@host:port</c>). Default empty: nodes sharing one PostgreSQL find each other
    /// through it (<see cref="ClusterFormation"/>); with SQLite a node is a cluster of one.
    /// </summary>
    public string[] SeedNodes { get; set; } = [];

    /// <summary>
    /// The split brain resolver's strategy. <c>lease-majority</c> (default): the side that takes a lease kept in the
    /// shared storage (<see cref="StorageLease"/>) keeps running, the majority side trying first; any survivor of a
    /// crash takes it, so two nodes survive either one's crash. <c>keep-majority</c>: no lease, the side with more nodes
    /// keeps running (run three or more: of two, the survivor of a crash downs itself when its address sorts higher).
    /// <c>keep-oldest</c>: the side with the oldest node keeps running (and the rest if the oldest is alone; but of two
    /// nodes, the oldest's crash downs the survivor).
    /// </summary>
    public string SplitBrainStrategy { get; set; } = LeaseMajority;

    public const string LeaseMajority = "lease-majority";
    public const string KeepMajority = "keep-majority";
    public const string KeepOldest = "keep-oldest";

    /// <summary>Start-up fails if this node is not an Up cluster member within this. Default 60 s; above zero.</summary>
    public TimeSpan JoinTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>What <see cref="ClusterFormation.JoinAsync"/> needs, for this node on this storage.</summary>
    /// <param name="nodeName">This node's name (<c>NodeIdentity.Name</c>).</param>
    /// <param name="storageProvider"><see cref="IStorage.Provider"/>: SQLite means a cluster of one.</param>
    public ClusterJoinSettings JoinSettings(string nodeName, NodeOptions node, string storageProvider) => new(nodeName, node.GoneAfter)
    {
        SeedNodes = SeedNodes,
        SingleNode = storageProvider.Equals(StorageFactory.SqliteProvider, StringComparison.OrdinalIgnoreCase),
        JoinTimeout = JoinTimeout,
    };
}
