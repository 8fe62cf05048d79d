using System.CommandLine;
using Pipeline.Cli.Http;
using Pipeline.Cli.Output;
using Spectre.Console;

namespace Pipeline.Cli.Commands;

/// <summary>
/// <c>pipeline cluster show|shards|leave|down</c>: the cluster's members as the host sees them, where its shards are,
/// and an operator's leave or down of one node (<c>nodes</c> is the older name of <c>show</c>).
/// </summary>
internal static class ClusterCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("cluster", "The cluster this host belongs to: its members, their shards, leave and down");
        command.Subcommands.Add(Show(context));
        command.Subcommands.Add(Shards(context));
        command.Subcommands.Add(Act(context, "leave", "leave",
            "Tell a node to leave: it stops taking requests, drains its pipelines, hands its shards to the others and exits"));
        command.Subcommands.Add(Act(context, "down", "down",
            "Mark an unreachable node down so its shards move at once (for a node that will not come back)"));
        return command;
    }

    private static Command Show(CliContext context)
    {
        var command = new Command("show", "Each node: up or gone, member status, reachable, leader, shards and entities, heartbeat, pipelines");
        command.Aliases.Add("nodes");
        command.SetAction((parse, ct) => context.RunAsync(parse, async (api, token) =>
        {
            var response = await api.GetAsync("api/admin/cluster", token);
            context.Print(parse, response, json => Tables.Members(json.Items("nodes"), DateTimeOffset.UtcNow));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Shards(CliContext context)
    {
        var command = new Command("shards", "Shards and live entities per node and per entity type");
        command.SetAction((parse, ct) => context.RunAsync(parse, async (api, token) =>
        {
            var response = await api.GetAsync("api/admin/cluster", token);
            var nodes = response.Json().Items("nodes").ToList();
            var counted = nodes.Where(n => n.Child("shardsByType") is not null).ToList();
            if (counted.Count == 0 && nodes.Any(n => n.Text("memberStatus") == "up"))
            {
                throw new CliFailure("the host could not count the shards in time (a node did not answer); try again");
            }
            context.Print(parse, response, _ => Tables.Shards(counted));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Act(CliContext context, string verb, string action, string description)
    {
        var node = new Argument<string>("node") { Description = "The node's name, as `pipeline cluster show` lists it" };
        var command = new Command(verb, description);
        command.Arguments.Add(node);
        command.SetAction((parse, ct) => context.RunAsync(parse, async (api, token) =>
        {
            var name = parse.GetValue(node)!;
            var response = await api.PostAsync($"api/admin/cluster/nodes/{PipelineApiClient.Segment(name)}/{action}", token);
            context.Print(parse, response, json => new Text(action == "leave"
                ? $"{name} ({json.Text("clusterAddress")}) told to leave: it drains, hands its shards to the others and exits."
                : $"{name} ({json.Text("clusterAddress")}) marked down: its shards move to the others."));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
