namespace Pipeline.Host.Cluster;

/// <summary>The shards one node hosts and the entities live in them, in all and per entity type.</summary>
/// <param name="ShardsByType">Shards per entity type (every type, 0 where it has none here).</param>
/// <param name="EntitiesByType">Live entities per entity type (passivated ones are not counted).</param>
/// <param name="WorkPartitions">The background work's partitions whose owner lives on the node, in order: its share of the
/// tickets, webhook fan-out and deliveries.</param>
internal sealed record NodeShards(
    int Shards,
    int Entities,
    IReadOnlyDictionary<string, int> ShardsByType,
    IReadOnlyDictionary<string, int> EntitiesByType,
    IReadOnlyList<int> WorkPartitions);
