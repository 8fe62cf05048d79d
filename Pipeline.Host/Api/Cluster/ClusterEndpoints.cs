using Microsoft.Extensions.Options;
using Pipeline.Actors.Cluster;
using Pipeline.Host.Configuration;

namespace Pipeline.Host.Api.Cluster;

/// <summary>The nodes sharing this storage (admin): <c>GET /api/admin/cluster</c>.</summary>
internal static class ClusterEndpoints
{
    public static void MapClusterEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/api/admin/cluster", ListAsync);
    }

    private static async Task<IResult> ListAsync(INodeRegistry nodes, IOptions<NodeOptions> options, CancellationToken ct)
    {
        var all = await nodes.ListAsync(options.Value.GoneAfter, ct);
        return Results.Ok(new ClusterResponse(all.Select(NodeResponse.From).ToList()));
    }
}
