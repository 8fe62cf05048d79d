using Pipeline.Host.Cluster;

namespace Pipeline.Host.Api.Cluster;

internal sealed record ClusterResponse(IReadOnlyList<NodeResponse> Nodes);

/// <param name="Status"><c>up</c>, or <c>gone</c>: left gracefully, no heartbeat within <c>Pipeline:Node:GoneAfter</c>, or down or removed from the cluster.</param>
/// <param name="InFlight">What the node was working on at its last heartbeat: items in flight per pipeline.</param>
/// <param name="Version">The build the node runs (its informational version), as it recorded it.</param>
/// <param name="Address">Where the node serves HTTP.</param>
/// <param name="ClusterAddress">Where it receives Akka cluster traffic (<c>akka.tcp://pipeline@host:port</c>).</param>
/// <param name="MemberStatus"><c>joining</c>, <c>up</c>, <c>leaving</c>, <c>exiting</c>, <c>down</c> or <c>removed</c>, as the node asked sees it.</param>
/// <param name="Reachable">Whether the node asked (and the nodes it hears from) reach it.</param>
/// <param name="Leader">Whether it is the cluster's leader (the one that moves members between statuses).</param>
/// <param name="AppVersion">Akka's app version of the member (<c>akka.cluster.app-version</c>).</param>
/// <param name="Shards">Shards it hosts, all entity types; null when the counts could not be read in time, or while a member is unreachable.</param>
/// <param name="Entities">Live entities in those shards (passivated ones are not counted); null with <paramref name="Shards"/>.</param>
/// <param name="ShardsByType">Shards per entity type (<c>batch</c>, <c>registration</c>, <c>event</c>, <c>member</c>, <c>webhook-endpoint</c>).</param>
/// <param name="EntitiesByType">Live entities per entity type.</param>
/// <param name="WorkPartitions">The background work's partitions (of <c>EngineOptions.WorkPartitionCount</c>) owned here, in
/// order: the node's share of the tickets, webhook fan-out and deliveries; null with <paramref name="Shards"/>.</param>
internal sealed record NodeResponse(
    string Name,
    string Status,
    DateTimeOffset LastHeartbeat,
    IReadOnlyList<string> Pipelines,
    IReadOnlyDictionary<string, long> InFlight,
    DateTimeOffset StartedAt,
    DateTimeOffset? StoppedAt,
    string? Version,
    string? Address,
    string? ClusterAddress,
    string? MemberStatus,
    bool Reachable,
    bool Leader,
    IReadOnlyList<string> Roles,
    string? AppVersion,
    int? Shards,
    int? Entities,
    IReadOnlyDictionary<string, int>? ShardsByType,
    IReadOnlyDictionary<string, int>? EntitiesByType,
    IReadOnlyList<int>? WorkPartitions)
{
    public const string Up = "up";
    public const string Gone = "gone";

    public static NodeResponse From(ClusterNode node) => new(
        node.Row.Name,
        node.IsUp ? Up : Gone,
        node.Row.LastHeartbeat,
        node.Row.Pipelines,
        node.Row.InFlight,
        node.Row.StartedAt,
        node.Row.StoppedAt,
        node.Row.Version,
        node.Row.Address,
        node.Row.ClusterAddress,
        node.MemberStatus,
        node.Reachable,
        node.Leader,
        node.Member?.Roles.Order(StringComparer.Ordinal).ToList() ?? [],
        node.Member?.AppVersion.ToString(),
        node.Shards?.Shards,
        node.Shards?.Entities,
        node.Shards?.ShardsByType,
        node.Shards?.EntitiesByType,
        node.Shards?.WorkPartitions);
}

/// <summary>What <c>leave</c> and <c>down</c> answer: the node they were applied to.</summary>
internal sealed record NodeActionResponse(string Name, string ClusterAddress, string Action);
