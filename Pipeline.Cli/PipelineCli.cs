using System.CommandLine;
using Pipeline.Cli.Commands;

namespace Pipeline.Cli;

/// <summary>
/// The <c>pipeline</c> operator tool: every command talks to one host's HTTP API (<c>--url</c>, <c>--api-key</c>) and
/// prints a table, or the host's JSON with <c>--json</c>. Errors are one line on standard error and an exit code
/// from <see cref="ExitCodes"/>.
/// </summary>
public static class PipelineCli
{
    /// <param name="environment">Reads <c>PIPELINE_URL</c> and <c>PIPELINE_API_KEY</c>; the process environment by default.</param>
    /// <param name="handler">Sends the HTTP requests; a real connection by default (tests may pass their own).</param>
    public static async Task<int> RunAsync(
        string[] args,
        TextWriter output,
        TextWriter error,
        Func<string, string?>? environment = null,
        HttpMessageHandler? handler = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        var context = new CliContext(output, error, environment ?? Environment.GetEnvironmentVariable, handler);
        var root = Build(context);
        var parsed = root.Parse(args);
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        var exitCode = await parsed.InvokeAsync(configuration, cancellationToken);
        // Parse errors are printed with help by System.CommandLine; give them their own exit code.
        return parsed.Errors.Count > 0 ? ExitCodes.Usage : exitCode;
    }

    private static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("Operate a Pipeline host: pipelines, cluster nodes, webhook deliveries, payments and batches.");
        context.AddGlobalOptions(root);
        root.Subcommands.Add(StatusCommand.Create(context));
        root.Subcommands.Add(ClusterCommand.Create(context));
        root.Subcommands.Add(PipelinesCommand.Create(context));
        root.Subcommands.Add(DeliveriesCommand.Create(context));
        root.Subcommands.Add(PaymentsCommand.Create(context));
        root.Subcommands.Add(BatchesCommand.Create(context));
        foreach (var jobs in JobsCommand.Create(context)) root.Subcommands.Add(jobs);
        return root;
    }
}
