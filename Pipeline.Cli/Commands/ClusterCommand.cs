using System.CommandLine;
using Pipeline.Cli.Output;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline cluster nodes</c>: the nodes sharing the host's storage, up or gone.</summary>
internal static class ClusterCommand
{
    public static Command Create(CliContext context)
    {
        var nodes = new Command("nodes", "The nodes sharing this host's storage: up or gone, last heartbeat, what each runs");
        nodes.SetAction((parse, ct) => context.RunAsync(parse, async (api, token) =>
        {
            var response = await api.GetAsync("api/admin/cluster", token);
            context.Print(parse, response, json => Tables.Nodes(json.Items("nodes"), DateTimeOffset.UtcNow));
            return ExitCodes.Ok;
        }, ct));
        var command = new Command("cluster", "The cluster this host belongs to");
        command.Subcommands.Add(nodes);
        return command;
    }
}
