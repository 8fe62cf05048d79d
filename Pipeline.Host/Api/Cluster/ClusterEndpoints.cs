using Pipeline.Host.Api.Problems;
using Pipeline.Host.Cluster;

namespace Pipeline.Host.Api.Cluster;

/// <summary>The cluster (admin): <c>GET /api/admin/cluster</c>, and an operator's leave and down of one node.</summary>
internal static class ClusterEndpoints
{
    public static void MapClusterEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/api/admin/cluster", ListAsync);
        admin.MapPost("/api/admin/cluster/nodes/{name}/leave", LeaveAsync);
        admin.MapPost("/api/admin/cluster/nodes/{name}/down", DownAsync);
    }

    private static async Task<IResult> ListAsync(ClusterView view, CancellationToken ct) =>
        Results.Ok(new ClusterResponse((await view.ReadAsync(ct)).Select(NodeResponse.From).ToList()));

    /// <summary>
    /// <c>Cluster.Leave</c> of the node's address, answered 202 at once. The node, wherever it is, then stops for good:
    /// once the leader has moved it to exiting, its coordinated shutdown starts, whose first task stops its host as SIGTERM
    /// would (<see cref="ClusterLeaveStopsHost"/>: the server stops taking requests, the pipelines drain and hand their
    /// work back, the node table records the stop), then its shard regions hand their shards off (the other nodes start
    /// its entities on their next command), it leaves, its actor system terminates and the process exits, with code 255
    /// (Akka.Hosting marks any stop the cluster started as unclean, so a supervisor that restarts on failure starts it
    /// again and it joins as a new member). It never stays up without its actor system.
    /// </summary>
    private static Task<IResult> LeaveAsync(string name, ClusterView view, ILoggerFactory loggers, CancellationToken ct) =>
        ActAsync(name, "leave", view, loggers, (cluster, address) => cluster.Leave(address), ct);

    /// <summary>
    /// <c>Cluster.Down</c> of the node's address, answered 202 at once: the leader removes it without waiting for it, and
    /// its shards start on the other nodes at their next command. Meant for a node that is unreachable and will not come
    /// back (a dead machine), so its shards move before the split brain resolver would decide. A downed node that is
    /// still running stops its process when it learns it is down; one frozen meanwhile learns it when it wakes, from the
    /// others' quarantine notice (QuarantinedNodeDownsItself).
    /// </summary>
    private static Task<IResult> DownAsync(string name, ClusterView view, ILoggerFactory loggers, CancellationToken ct) =>
        ActAsync(name, "down", view, loggers, (cluster, address) => cluster.Down(address), ct);

    private static async Task<IResult> ActAsync(
        string name, string action, ClusterView view, ILoggerFactory loggers, Action<Akka.Cluster.Cluster, Akka.Actor.Address> apply,
        CancellationToken ct)
    {
        var node = await view.FindAsync(name, ct);
        if (node?.Member is not { } member)
        {
            return ApiProblem.Create(StatusCodes.Status404NotFound, ProblemCodes.NodeNotFound, "Node was not found.",
                node is null
                    ? $"No node named '{name}' ever joined this cluster."
                    : $"Node '{name}' is not a member of the cluster now (it is {node.MemberStatus ?? "not joined"}).");
        }
        apply(Akka.Cluster.Cluster.Get(view.System), member.Address);
        loggers.CreateLogger(typeof(ClusterEndpoints).FullName!).LogWarning(
            "Node {Node} ({Address}) told to {Action} through the admin API", name, member.Address, action);
        return Results.Accepted(value: new NodeActionResponse(name, member.Address.ToString(), action));
    }
}
