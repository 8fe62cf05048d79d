using System.CommandLine;
using Pipeline.Cli.Http;
using Pipeline.Cli.Output;
using Spectre.Console;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline pipelines list|show|tune|pause|resume</c>: the host's pipelines and their live settings.</summary>
internal static class PipelinesCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("pipelines", "List the pipelines (tickets, whatsapp, webhooks) and change their settings while they run");
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Show(context));
        command.Subcommands.Add(Tune(context));
        command.Subcommands.Add(Pause(context, "pause", paused: true, "Stop taking new items into a pipeline; items in flight finish"));
        command.Subcommands.Add(Pause(context, "resume", paused: false, "Let a paused pipeline take items again"));
        return command;
    }

    private static Command List(CliContext context)
    {
        var command = new Command("list", "Each pipeline's settings, queue depth, in-flight items, circuit and totals");
        command.SetAction((parse, ct) => context.RunAsync(parse, async (api, token) =>
        {
            var response = await api.GetAsync("api/admin/pipelines", token);
            context.Print(parse, response, json => Tables.Pipelines(json.Items("pipelines")));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Show(CliContext context)
    {
        var name = NameArgument();
        var command = new Command("show", "One pipeline's settings and state");
        command.Arguments.Add(name);
        command.SetAction((parse, ct) => context.RunAsync(parse, async (api, token) =>
        {
            var response = await api.GetAsync(Path(parse.GetValue(name)!), token);
            context.Print(parse, response, json => Tables.Pipelines([json]));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Tune(CliContext context)
    {
        var name = NameArgument();
        var rate = new Option<double?>("--rate") { Description = "Items per second (above 0, at most 100000)" };
        var parallelism = new Option<int?>("--parallelism") { Description = "Items worked on at once (1 to 1024)" };
        var buffer = new Option<int?>("--buffer") { Description = "Items held ahead of the slow step (1 to 100000)" };
        var command = new Command("tune", "Change a pipeline's rate, parallelism or buffer size while it runs");
        command.Arguments.Add(name);
        command.Options.Add(rate);
        command.Options.Add(parallelism);
        command.Options.Add(buffer);
        command.SetAction((parse, ct) => context.RunAsync(parse, async (api, token) =>
        {
            var change = new Dictionary<string, object>();
            if (parse.GetValue(rate) is { } r) change["ratePerSecond"] = r;
            if (parse.GetValue(parallelism) is { } p) change["parallelism"] = p;
            if (parse.GetValue(buffer) is { } b) change["bufferSize"] = b;
            if (change.Count == 0)
            {
                throw new CliFailure("nothing to change: give --rate, --parallelism or --buffer", ExitCodes.Usage);
            }
            return await ApplyAsync(context, parse, api, parse.GetValue(name)!, change, "Tuned", token);
        }, ct));
        return command;
    }

    private static Command Pause(CliContext context, string verb, bool paused, string description)
    {
        var name = NameArgument();
        var command = new Command(verb, description);
        command.Arguments.Add(name);
        command.SetAction((parse, ct) => context.RunAsync(parse, (api, token) =>
            ApplyAsync(context, parse, api, parse.GetValue(name)!, new Dictionary<string, object> { ["paused"] = paused },
                paused ? "Paused" : "Resumed", token), ct));
        return command;
    }

    private static async Task<int> ApplyAsync(
        CliContext context, ParseResult parse, PipelineApiClient api, string name, Dictionary<string, object> change, string done, CancellationToken token)
    {
        var response = await api.PutAsync(Path(name), change, token);
        context.Print(parse, response, json => new Rows(
            new Text($"{done} {name}."),
            Tables.Pipelines([json])));
        return ExitCodes.Ok;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "The pipeline: tickets, whatsapp or webhooks" };

    private static string Path(string name) => $"api/admin/pipelines/{PipelineApiClient.Segment(name)}";
}
