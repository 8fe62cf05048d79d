namespace Pipeline.Tests.Operations.Metrics;

/// <summary>A host's <c>/metrics</c> read per entity type.</summary>
internal static class EntityMetrics
{
    public static async Task<IReadOnlyDictionary<string, PromFamily>> ScrapeAsync(HttpClient client) =>
        PrometheusExposition.Parse(await (await client.GetAsync("/metrics")).Content.ReadAsStringAsync());

    /// <summary>The sample of <paramref name="sample"/> for one entity type; 0 while the family or series has none.</summary>
    public static double Value(IReadOnlyDictionary<string, PromFamily> families, string sample, string entity) =>
        families.Values.SelectMany(f => f.Samples)
            .SingleOrDefault(s => s.Name == sample && s.Labels.GetValueOrDefault("entity") == entity)?.Value ?? 0;
}
