using Pipeline.Actors.Cluster;

namespace Pipeline.Host.Api.Cluster;

internal sealed record ClusterResponse(IReadOnlyList<NodeResponse> Nodes);

/// <param name="Status"><c>up</c> or <c>gone</c> (left gracefully, or no heartbeat within <c>Pipeline:Node:GoneAfter</c>).</param>
/// <param name="InFlight">What the node was working on at its last heartbeat: items in flight per pipeline.</param>
internal sealed record NodeResponse(
    string Name,
    string Status,
    DateTimeOffset LastHeartbeat,
    IReadOnlyList<string> Pipelines,
    IReadOnlyDictionary<string, long> InFlight,
    DateTimeOffset StartedAt,
    DateTimeOffset? StoppedAt,
    string? Version,
    string? Address)
{
    public const string Up = "up";
    public const string Gone = "gone";

    public static NodeResponse From(NodeRecord node) => new(
        node.Name,
        node.Status == NodeStatus.Up ? Up : Gone,
        node.LastHeartbeat,
        node.Pipelines,
        node.InFlight,
        node.StartedAt,
        node.StoppedAt,
        node.Version,
        node.Address);
}
