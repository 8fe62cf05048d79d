using Pipeline.Actors.Jobs;
using Pipeline.Host.Api.Paging;
using Pipeline.Host.Api.Problems;
using Pipeline.Streams.Jobs.Exports;

namespace Pipeline.Host.Api.Jobs;

/// <summary>Jobs (admin): one job, the jobs newest first, and a completed job's file, streamed from its stored chunks.</summary>
internal static class JobEndpoints
{
    private static readonly string[] Types = [ExportParameters.JobType];

    public static void MapJobEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapExportEndpoints();
        admin.MapGet("/api/jobs", ListAsync);
        admin.MapGet("/api/jobs/{jobId}", GetAsync);
        admin.MapGet("/api/jobs/{jobId}/download", DownloadAsync);
    }

    private static async Task<IResult> GetAsync(string jobId, IJobStore jobs, CancellationToken ct) =>
        await jobs.GetAsync(jobId, ct) is { } job ? Results.Ok(JobResponse.From(job)) : JobNotFound();

    private static async Task<IResult> ListAsync(HttpRequest request, IJobStore jobs, CancellationToken ct)
    {
        if (!PageRequest.TryParse(request, out var page, out var problem)) return problem!;
        var status = request.Query["status"].ToString();
        var type = request.Query["type"].ToString();
        var errors = new Dictionary<string, string[]>();
        if (status.Length > 0 && !JobStatuses.All.Contains(status))
        {
            errors["status"] = [$"must be one of {string.Join(", ", JobStatuses.All)}."];
        }
        if (type.Length > 0 && !Types.Contains(type))
        {
            errors["type"] = [$"must be one of {string.Join(", ", Types)}."];
        }
        if (errors.Count > 0) return ApiProblem.Validation(errors);

        // Newest first: the cursor holds the position of the last job shown, and the next page starts below it.
        var before = page.AfterPosition == 0 ? long.MaxValue : page.AfterPosition;
        var rows = await jobs.ListAsync(status.Length == 0 ? null : status, type.Length == 0 ? null : type, before, page.Limit + 1, ct);
        return Results.Ok(Page<JobResponse>.From(rows, page.Limit, r => r.Position, r => JobResponse.From(r.Job)));
    }

    /// <summary>Streams the stored chunks one at a time: the file is never whole in memory, and any node serves it.</summary>
    private static async Task<IResult> DownloadAsync(string jobId, HttpResponse response, IJobStore jobs, CancellationToken ct)
    {
        var job = await jobs.GetAsync(jobId, ct);
        if (job is null) return JobNotFound();
        if (job is not { Status: JobStatuses.Completed, File: { } file })
        {
            return ApiProblem.Create(StatusCodes.Status409Conflict, ProblemCodes.JobNotReady, "The job has not completed.",
                $"The job is {job.Status}; its file can be downloaded once it is completed.",
                new Dictionary<string, object?> { ["status"] = job.Status });
        }
        response.ContentType = file.ContentType;
        response.ContentLength = file.Bytes;
        response.Headers.ContentDisposition = $"attachment; filename=\"{file.Name}\"";
        await foreach (var chunk in jobs.ReadFileAsync(jobId, ct))
        {
            await response.Body.WriteAsync(chunk, ct);
        }
        return Results.Empty;
    }

    private static IResult JobNotFound() => ApiProblem.NotFound(ProblemCodes.JobNotFound, "The job");
}
