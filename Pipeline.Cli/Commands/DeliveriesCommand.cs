using System.CommandLine;
using Pipeline.Cli.Http;
using Pipeline.Cli.Output;
using Spectre.Console;

namespace Pipeline.Cli.Commands;

/// <summary><c>pipeline deliveries list|retry</c>: the webhook deliveries of one endpoint.</summary>
internal static class DeliveriesCommand
{
    private static readonly string[] Statuses = ["pending", "delivered", "failed", "dead"];

    public static Command Create(CliContext context)
    {
        var command = new Command("deliveries", "Webhook deliveries of an endpoint: list them, retry one");
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Retry(context));
        return command;
    }

    private static Command List(CliContext context)
    {
        var endpoint = EndpointArgument();
        var status = new Option<string?>("--status") { Description = "Only deliveries in this status" };
        status.AcceptOnlyFromAmong(Statuses);
        var page = new PageOptions();
        var command = new Command("list", "An endpoint's deliveries, newest first");
        command.Arguments.Add(endpoint);
        command.Options.Add(status);
        page.AddTo(command);
        command.SetAction((parse, ct) => context.RunAsync(parse, async (api, token) =>
        {
            var query = page.Query(parse, ("status", parse.GetValue(status)));
            var response = await api.GetAsync($"{Path(parse.GetValue(endpoint)!)}{query}", token);
            context.Print(parse, response, json => PageOptions.WithNext(Tables.Deliveries(json.Items("items"), DateTimeOffset.UtcNow), json));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Retry(CliContext context)
    {
        var endpoint = EndpointArgument();
        var delivery = new Argument<string>("deliveryId") { Description = "The delivery to send again" };
        var command = new Command("retry", "Send a delivery again now (a failed or dead one, typically)");
        command.Arguments.Add(endpoint);
        command.Arguments.Add(delivery);
        command.SetAction((parse, ct) => context.RunAsync(parse, async (api, token) =>
        {
            var id = parse.GetValue(delivery)!;
            var response = await api.PostAsync($"{Path(parse.GetValue(endpoint)!)}/{PipelineApiClient.Segment(id)}/retry", token);
            if (context.Json(parse))
            {
                context.Output.WriteLine(response.Body.Length == 0 ? "{}" : response.Body);
            }
            else
            {
                context.Console().Write(new Text($"Delivery {id} is queued for another attempt ({(int)response.Status}).\n"));
            }
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Argument<string> EndpointArgument() => new("endpointId") { Description = "The webhook endpoint" };

    private static string Path(string endpoint) => $"api/webhook-endpoints/{PipelineApiClient.Segment(endpoint)}/deliveries";
}
