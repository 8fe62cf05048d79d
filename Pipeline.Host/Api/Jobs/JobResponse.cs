using Pipeline.Actors.Jobs;

namespace Pipeline.Host.Api.Jobs;

/// <summary>The contract's job shape; <c>downloadUrl</c> once completed, <c>nextAttemptAt</c> while it waits for a retry.</summary>
internal sealed record JobResponse(
    string Id,
    string Type,
    string Status,
    string Priority,
    JobProgress Progress,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    string? Error,
    string? DownloadUrl,
    DateTimeOffset? NextAttemptAt)
{
    public static string Location(string jobId) => $"/api/jobs/{jobId}";

    public static JobResponse From(JobView job) => new(
        job.Id,
        job.Type,
        job.Status,
        job.Priority,
        new JobProgress(job.Done, job.Total),
        job.Attempts,
        job.CreatedAt,
        job.StartedAt,
        job.CompletedAt,
        job.Error,
        job.Status == JobStatuses.Completed ? $"{Location(job.Id)}/download" : null,
        job.NextAttemptAt);
}

/// <param name="Total">Null until the job has counted its work.</param>
internal sealed record JobProgress(long Done, long? Total);
