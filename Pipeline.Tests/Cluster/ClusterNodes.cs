using System.Text.Json;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Cluster;

/// <summary>The cluster as one node shows it (<c>GET /api/admin/cluster</c>), and entities placed on a chosen node.</summary>
internal sealed class ClusterNodes(ClusterFixture cluster, ClusterClient client)
{
    public async Task<List<JsonElement>> AllAsync(int asked)
    {
        var response = await cluster.Client(asked).GetAsync("/api/admin/cluster");
        response.EnsureSuccessStatusCode();
        return (await response.JsonAsync()).GetProperty("nodes").EnumerateArray().ToList();
    }

    public async Task<JsonElement> OneAsync(int asked, string name) =>
        (await AllAsync(asked)).Single(n => n.GetProperty("name").GetString() == name);

    /// <summary>Live batch entities on node <paramref name="index"/>, as node-1 shows it.</summary>
    public async Task<int> BatchesOnAsync(int index)
    {
        var node = await OneAsync(0, ClusterFixture.NodeName(index));
        return node.GetProperty("entitiesByType") is { ValueKind: JsonValueKind.Object } byType ? byType.GetProperty("batch").GetInt32() : 0;
    }

    /// <summary>A new batch of <paramref name="quantity"/> whose entity lives on node <paramref name="index"/>: created until one raises its count of live batches.</summary>
    public async Task<string> BatchOnAsync(int index, long quantity)
    {
        for (var tried = 0; tried < 40; tried++)
        {
            var before = await BatchesOnAsync(index);
            var batch = await client.CreateBatchAsync(tried % ClusterFixture.Size, quantity);
            if (await BatchesOnAsync(index) > before)
            {
                return batch;
            }
        }
        throw new InvalidOperationException($"No batch of 40 landed on {ClusterFixture.NodeName(index)}.");
    }
}
