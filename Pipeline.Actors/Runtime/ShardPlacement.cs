namespace Pipeline.Actors.Runtime;

/// <summary>Places a key on a shard with a hash that is the same in every process (string.GetHashCode is not).</summary>
public static class ShardPlacement
{
    public static int ShardOf(string key, int shardCount)
    {
        // FNV-1a over UTF-16 code units: cheap, stable, and well spread for short ids.
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (int)(hash % (uint)shardCount);
    }
}
