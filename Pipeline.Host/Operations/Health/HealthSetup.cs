using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Host.Pipelines;
using Pipeline.Streams.Pipelines;

namespace Pipeline.Host.Operations.Health;

/// <summary>
/// <c>/health/live</c> runs no check (the process answers); <c>/health/ready</c> runs the checks tagged
/// <see cref="ReadyTag"/>: storage and each pipeline. Both answer 200 (Healthy, Degraded) or 503 (Unhealthy) with
/// <c>{"status", "checks": {name: {"status", "description", "durationMs"}}}</c>.
/// </summary>
internal static class HealthSetup
{
    public const string ReadyTag = "ready";
    public const string StorageCheck = "storage";

    public static IServiceCollection AddPipelineHealth(this IServiceCollection services)
    {
        var checks = services.AddHealthChecks()
            .AddCheck<StorageHealthCheck>(StorageCheck, tags: [ReadyTag], timeout: StorageHealthCheck.Timeout + TimeSpan.FromSeconds(1));
        foreach (var name in PipelineNames.All)
        {
            checks.Add(new HealthCheckRegistration("pipeline:" + name,
                sp => new PipelineHealthCheck(sp.GetRequiredService<PipelineRegistry>(), name),
                failureStatus: HealthStatus.Unhealthy, tags: [ReadyTag]));
        }
        return services;
    }

    public static void MapPipelineHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new HealthBody(
            report.Status.ToString(),
            report.Entries.ToDictionary(e => e.Key, e => new HealthEntry(
                e.Value.Status.ToString(), e.Value.Description, Math.Round(e.Value.Duration.TotalMilliseconds, 1))),
            Math.Round(report.TotalDuration.TotalMilliseconds, 1));
        return JsonSerializer.SerializeAsync(context.Response.Body, body, HealthJson.Options, context.RequestAborted);
    }

    private sealed record HealthBody(string Status, IReadOnlyDictionary<string, HealthEntry> Checks, double DurationMs);

    private sealed record HealthEntry(string Status, string? Description, double DurationMs);

    private static class HealthJson
    {
        public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
    }
}
