using System.Text.Json;

namespace Pipeline.Actors.Cluster;

/// <summary>How both storages keep a node's pipelines and in-flight counts as JSON text.</summary>
internal static class NodeJson
{
    public static string Pipelines(IReadOnlyList<string> pipelines) => JsonSerializer.Serialize(pipelines);

    public static string InFlight(IReadOnlyDictionary<string, long> inFlight) => JsonSerializer.Serialize(inFlight);

    public static IReadOnlyList<string> ReadPipelines(string json) => JsonSerializer.Deserialize<string[]>(json) ?? [];

    public static IReadOnlyDictionary<string, long> ReadInFlight(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, long>>(json) ?? [];
}
