using System.Net;
using System.Text.Json;

namespace Pipeline.Cli.Http;

/// <summary>A successful answer: its status and its body as sent, for <c>--json</c>, or parsed.</summary>
internal sealed record ApiResponse(HttpStatusCode Status, string Body)
{
    public JsonElement Json()
    {
        try
        {
            using var document = JsonDocument.Parse(Body.Length == 0 ? "{}" : Body);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new CliFailure($"the host answered {(int)Status} with a body that is not JSON");
        }
    }
}
