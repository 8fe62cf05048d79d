namespace Pipeline.Actors.Jobs;

/// <summary>A job to queue. <paramref name="Parameters"/> is the type's own JSON document (an export's event, format, status).</summary>
public sealed record NewJob(string Id, string Type, string Priority, string Parameters);
