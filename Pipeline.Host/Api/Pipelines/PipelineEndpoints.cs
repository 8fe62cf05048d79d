using Pipeline.Host.Api.Problems;
using Pipeline.Host.Api.Requests;
using Pipeline.Host.Pipelines;
using Pipeline.Streams.Pipelines;
using Pipeline.Streams.Stages.Buffer;
using Pipeline.Streams.Stages.Parallel;

namespace Pipeline.Host.Api.Pipelines;

/// <summary>The pipelines of this node (admin): read their state, and turn their settings while they run.</summary>
internal static class PipelineEndpoints
{
    private static readonly string[] Fields = ["ratePerSecond", "parallelism", "bufferSize", "paused"];

    public static void MapPipelineEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/api/admin/pipelines", ListAsync);
        admin.MapGet("/api/admin/pipelines/{name}", GetAsync);
        admin.MapPut("/api/admin/pipelines/{name}", UpdateAsync);
    }

    private static async Task<IResult> ListAsync(PipelineStatusReader reader, CancellationToken ct) =>
        Results.Ok(new PipelineListResponse((await reader.ReadAllAsync(ct)).Select(PipelineResponse.From).ToList()));

    private static async Task<IResult> GetAsync(string name, PipelineRegistry registry, PipelineStatusReader reader, CancellationToken ct) =>
        registry.TryGet(name, out var pipeline)
            ? Results.Ok(PipelineResponse.From(await reader.ReadAsync(pipeline, ct)))
            : NotFound();

    /// <summary>Any subset of the four settings, applied at once; nothing changes unless every given field is valid.</summary>
    private static async Task<IResult> UpdateAsync(
        string name, HttpRequest request, PipelineRegistry registry, PipelineStatusReader reader, ILoggerFactory loggers)
    {
        if (!registry.TryGet(name, out var pipeline)) return NotFound();
        var (body, problem) = await JsonRequest.ReadAsync(request);
        if (body is null) return problem!;
        body.OnlyFields(Fields);
        var patch = new PipelineSettingsPatch(
            body.Number("ratePerSecond", required: false),
            (int?)body.Integer("parallelism", ParallelDefaults.MinParallelism, ParallelDefaults.MaxParallelism, required: false),
            (int?)body.Integer("bufferSize", BufferDefaults.MinCapacity, BufferDefaults.MaxCapacity, required: false),
            body.Boolean("paused", required: false));
        foreach (var (field, message) in patch.Errors())
        {
            body.AddError(char.ToLowerInvariant(field[0]) + field[1..], message);
        }
        if (!body.IsValid) return body.Problem();

        pipeline.Settings.Update(patch.ApplyTo);
        loggers.CreateLogger(typeof(PipelineEndpoints).FullName!).LogInformation("Pipeline {Pipeline} settings changed through the admin API: {Change}; now {Settings}",
            name, patch, pipeline.Settings.Current);
        return Results.Ok(PipelineResponse.From(await reader.ReadAsync(pipeline, request.HttpContext.RequestAborted)));
    }

    private static IResult NotFound() =>
        ApiProblem.Create(StatusCodes.Status404NotFound, ProblemCodes.PipelineNotFound, "Pipeline was not found.",
            $"The pipelines are {string.Join(", ", PipelineNames.All)}.");
}
