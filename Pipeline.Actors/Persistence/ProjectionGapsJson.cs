using System.Text.Json;
using Pipeline.Actors.Projections;
using Pipeline.Actors.Runtime;

namespace Pipeline.Actors.Persistence;

/// <summary>A checkpoint's missing positions as the JSON both storages keep them in.</summary>
internal static class ProjectionGapsJson
{
    public static string Write(IReadOnlyList<ProjectionGap> gaps) => JsonSerializer.Serialize(gaps, EventCodec<object>.DefaultOptions);

    public static IReadOnlyList<ProjectionGap> Read(string json) =>
        JsonSerializer.Deserialize<List<ProjectionGap>>(json, EventCodec<object>.DefaultOptions) ?? [];
}
