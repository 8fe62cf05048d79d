using System.CommandLine;
using Pipeline.Cli.Http;
using Pipeline.Cli.Output;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline batches show &lt;batchId&gt;</c>: one inventory batch.</summary>
internal static class BatchesCommand
{
    public static Command Create(CliContext context)
    {
        var batch = new Argument<string>("batchId") { Description = "The batch" };
        var show = new Command("show", "One inventory batch: quantity, remaining, version");
        show.Arguments.Add(batch);
        show.SetAction((parse, ct) => context.RunAsync(parse, async (api, token) =>
        {
            var response = await api.GetAsync($"api/batches/{PipelineApiClient.Segment(parse.GetValue(batch)!)}", token);
            context.Print(parse, response, json => Tables.Fields(json, DateTimeOffset.UtcNow,
                ("Batch", "id"), ("SKU", "sku"), ("Quantity", "quantity"), ("Remaining", "remaining"), ("Version", "version"), ("Created", "createdAt")));
            return ExitCodes.Ok;
        }, ct));
        var command = new Command("batches", "Inventory batches");
        command.Subcommands.Add(show);
        return command;
    }
}
