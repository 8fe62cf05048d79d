using System.CommandLine;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Cli.Output;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pipeline.Cli.Commands;

/// <summary>
/// <c>pipeline status</c>: is the host ready (<c>/health/ready</c>, each check) and how are its pipelines doing.
/// Exits non-zero when the host is not ready, so scripts can wait on it.
/// </summary>
internal static class StatusCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("status", "The host's readiness, each of its checks, and a summary of its pipelines");
        command.SetAction((parse, ct) => context.RunAsync(parse, async (api, token) =>
        {
            var health = await api.GetAsync("health/ready", [HttpStatusCode.ServiceUnavailable, HttpStatusCode.NotFound], token);
            var pipelines = await api.GetAsync("api/admin/pipelines", token);
            var ready = health.Status == HttpStatusCode.OK;
            if (context.Json(parse))
            {
                var body = new JsonObject
                {
                    ["url"] = api.Url,
                    ["ready"] = ready,
                    ["health"] = health.Status == HttpStatusCode.NotFound ? null : JsonNode.Parse(health.Json().GetRawText()),
                    ["pipelines"] = JsonNode.Parse(pipelines.Json().GetRawText())?["pipelines"]?.DeepClone(),
                };
                context.Output.WriteLine(body.ToJsonString());
            }
            else
            {
                context.Console().Write(new Rows(Readiness(api.Url, health.Status, health.Body), Tables.Pipelines(pipelines.Json().Items("pipelines"))));
            }
            return ready ? ExitCodes.Ok : ExitCodes.Failed;
        }, ct));
        return command;
    }

    private static IRenderable Readiness(string url, HttpStatusCode status, string body)
    {
        if (status == HttpStatusCode.NotFound)
        {
            return new Text($"{url}: readiness unknown (this host has no /health/ready)\n");
        }
        JsonElement report;
        try
        {
            report = JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            return new Text($"{url}: {(status == HttpStatusCode.OK ? "ready" : "NOT READY")} ({(int)status})\n");
        }
        var table = new Table().Border(TableBorder.None).HideHeaders().AddColumn("check").AddColumn("status").AddColumn("detail");
        foreach (var (name, check) in Checks(report))
        {
            table.AddRow(new Text("  " + name), new Text(check.Text("status")), new Text(check.Text("description")));
        }
        var verdict = status == HttpStatusCode.OK ? "ready" : "NOT READY";
        return new Rows(new Text($"{url}: {verdict} ({report.Text("status")})"), table);
    }

    /// <summary>Checks as <c>{"name": {...}}</c> or <c>[{"name", ...}]</c>, whichever the host sends.</summary>
    private static IEnumerable<(string Name, JsonElement Check)> Checks(JsonElement report) => report.Child("checks") switch
    {
        { ValueKind: JsonValueKind.Object } checks => checks.EnumerateObject().Select(c => (c.Name, c.Value)),
        { ValueKind: JsonValueKind.Array } checks => checks.EnumerateArray().Select(c => (c.Text("name"), c)),
        _ => [],
    };
}
