namespace Pipeline.Actors.Jobs;

/// <summary>A job as operators see it.</summary>
/// <param name="Attempts">Runs started, including one cut short by its node's death.</param>
/// <param name="Total">Unknown (null) until the run has counted its work.</param>
/// <param name="Error">The last failure: of the last attempt while it waits for a retry, the final one once failed.</param>
/// <param name="File">The result, once completed.</param>
public sealed record JobView(
    string Id,
    string Type,
    string Status,
    string Priority,
    string Parameters,
    long Done,
    long? Total,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? NextAttemptAt,
    string? Error,
    JobFile? File);

/// <summary>A job's result file, stored in chunks beside the job (any node serves it).</summary>
public sealed record JobFile(string Name, string ContentType, long Bytes);
