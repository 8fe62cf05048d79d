using System.CommandLine;
using Pipeline.Cli.Http;
using Pipeline.Cli.Output;
using Spectre.Console;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline jobs list|show|download</c> and <c>pipeline exports start</c>: background jobs and their files.</summary>
internal static class JobsCommand
{
    private static readonly string[] Statuses = ["queued", "running", "completed", "failed"];

    /// <summary>Both commands, <c>jobs</c> and <c>exports</c>: one registration line in <see cref="PipelineCli"/>.</summary>
    public static IEnumerable<Command> Create(CliContext context)
    {
        var jobs = new Command("jobs", "Background jobs: list them, show one, download a completed job's file");
        jobs.Subcommands.Add(List(context));
        jobs.Subcommands.Add(Show(context));
        jobs.Subcommands.Add(Download(context));
        var exports = new Command("exports", "Attendee exports: start one as a job");
        exports.Subcommands.Add(Start(context));
        return [jobs, exports];
    }

    private static Command List(CliContext context)
    {
        var status = new Option<string?>("--status") { Description = "Only jobs in this status" };
        status.AcceptOnlyFromAmong(Statuses);
        var type = new Option<string?>("--type") { Description = "Only jobs of this type (export)" };
        var page = new PageOptions();
        var command = new Command("list", "Jobs, newest first");
        command.Options.Add(status);
        command.Options.Add(type);
        page.AddTo(command);
        command.SetAction((parse, ct) => context.RunAsync(parse, async (api, token) =>
        {
            var response = await api.GetAsync($"api/jobs{page.Query(parse, ("status", parse.GetValue(status)), ("type", parse.GetValue(type)))}", token);
            context.Print(parse, response, json => PageOptions.WithNext(JobTable(json.Items("items"), DateTimeOffset.UtcNow), json));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Show(CliContext context)
    {
        var id = JobArgument();
        var command = new Command("show", "One job: status, progress, attempts, error, download link");
        command.Arguments.Add(id);
        command.SetAction((parse, ct) => context.RunAsync(parse, async (api, token) =>
        {
            var response = await api.GetAsync($"api/jobs/{PipelineApiClient.Segment(parse.GetValue(id)!)}", token);
            context.Print(parse, response, json => Tables.Fields(json, DateTimeOffset.UtcNow,
                ("ID", "id"), ("TYPE", "type"), ("STATUS", "status"), ("PRIORITY", "priority"), ("PROGRESS", "progress"),
                ("ATTEMPTS", "attempts"), ("CREATED", "createdAt"), ("STARTED", "startedAt"), ("COMPLETED", "completedAt"),
                ("NEXT ATTEMPT", "nextAttemptAt"), ("ERROR", "error"), ("DOWNLOAD", "downloadUrl")));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Download(CliContext context)
    {
        var id = JobArgument();
        var output = new Option<FileInfo>("--output", "-o") { Description = "The file to write", Required = true };
        var command = new Command("download", "Write a completed job's file (409 job_not_ready before it completes)");
        command.Arguments.Add(id);
        command.Options.Add(output);
        command.SetAction((parse, ct) => context.RunAsync(parse, async (api, token) =>
        {
            var file = parse.GetValue(output)!;
            var bytes = await api.DownloadAsync($"api/jobs/{PipelineApiClient.Segment(parse.GetValue(id)!)}/download",
                () => file.Create(), token);
            context.Console().Write(new Text($"Wrote {bytes} bytes to {file.FullName}.\n"));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Start(CliContext context)
    {
        var eventId = new Argument<string>("eventId") { Description = "The event whose registrations to export" };
        var format = new Option<string>("--format") { Description = "csv or ndjson", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "ndjson");
        var status = new Option<string>("--status") { Description = "paid or all registrations", DefaultValueFactory = _ => "paid" };
        status.AcceptOnlyFromAmong("paid", "all");
        var priority = new Option<string>("--priority") { Description = "high, normal or low", DefaultValueFactory = _ => "normal" };
        priority.AcceptOnlyFromAmong("high", "normal", "low");
        var command = new Command("start", "Queue an export of an event's registrations; prints the job");
        command.Arguments.Add(eventId);
        command.Options.Add(format);
        command.Options.Add(status);
        command.Options.Add(priority);
        command.SetAction((parse, ct) => context.RunAsync(parse, async (api, token) =>
        {
            var response = await api.PostJsonAsync($"api/events/{PipelineApiClient.Segment(parse.GetValue(eventId)!)}/exports",
                new { format = parse.GetValue(format), status = parse.GetValue(status), priority = parse.GetValue(priority) }, token);
            context.Print(parse, response, json => JobTable([json], DateTimeOffset.UtcNow));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Table JobTable(IEnumerable<System.Text.Json.JsonElement> jobs, DateTimeOffset now)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var header in new[] { "JOB", "TYPE", "STATUS", "PRIORITY", "PROGRESS", "ATTEMPTS", "CREATED", "ERROR" })
        {
            table.AddColumn(new TableColumn(new Text(header, new Style(decoration: Decoration.Bold))).NoWrap());
        }
        foreach (var j in jobs)
        {
            var progress = j.Child("progress") is { } p ? $"{p.Text("done")}/{p.Text("total")}" : JsonFields.None;
            // Plain text cells: the host's strings are never read as Spectre markup.
            table.AddRow(new[] { j.Text("id"), j.Text("type"), j.Text("status"), j.Text("priority"), progress, j.Text("attempts"),
                j.Time("createdAt", now), j.Text("error") }.Select(c => (Spectre.Console.Rendering.IRenderable)new Text(c)).ToArray());
        }
        return table.Rows.Count == 0 ? table.Caption(new TableTitle("no jobs")) : table;
    }

    private static Argument<string> JobArgument() => new("jobId") { Description = "The job" };
}
