using Pipeline.Actors.Jobs;
using Pipeline.Actors.ReadSide;
using Pipeline.Actors.Runtime;
using Pipeline.Host.Api.Events;
using Pipeline.Host.Api.Requests;
using Pipeline.Streams.Jobs.Exports;

namespace Pipeline.Host.Api.Jobs;

/// <summary><c>POST /api/events/{eventId}/exports</c> (admin): queues an attendee export as a job; <c>202</c> with its location.</summary>
internal static class ExportEndpoints
{
    private static readonly string[] Fields = ["format", "status", "priority"];

    public static void MapExportEndpoints(this RouteGroupBuilder admin) =>
        admin.MapPost("/api/events/{eventId}/exports", StartAsync);

    private static async Task<IResult> StartAsync(string eventId, HttpRequest request, IEventReadModel events, IJobStore jobs)
    {
        var format = ExportParameters.Csv;
        var status = ExportParameters.Paid;
        var priority = JobPriority.Normal;
        // No body at all asks for the defaults; a body must be a valid object.
        if (request.ContentLength is not 0)
        {
            var (body, problem) = await JsonRequest.ReadAsync(request);
            if (body is null) return problem!;
            body.OnlyFields(Fields);
            format = OneOf(body, "format", ExportParameters.Formats) ?? format;
            status = OneOf(body, "status", ExportParameters.Statuses) ?? status;
            priority = OneOf(body, "priority", JobPriority.All) ?? priority;
            if (!body.IsValid) return body.Problem();
        }

        var ct = request.HttpContext.RequestAborted;
        if (await events.GetAsync(eventId, ct) is null) return EventEndpoints.EventNotFound();
        var parameters = new ExportParameters(eventId, format, status);
        var job = await jobs.EnqueueAsync(new NewJob(OpaqueId.New("job"), ExportParameters.JobType, priority, parameters.ToJson()), ct);
        return Results.Accepted(JobResponse.Location(job.Id), JobResponse.From(job));
    }

    private static string? OneOf(JsonRequest body, string field, IReadOnlyList<string> allowed)
    {
        var value = body.String(field, 16, required: false);
        if (value is null || allowed.Contains(value, StringComparer.Ordinal))
        {
            return value;
        }
        body.AddError(field, $"must be one of {string.Join(", ", allowed)}.");
        return null;
    }
}
