using System.Text;
using System.Text.Json;

namespace Pipeline.Cli.Http;

/// <summary>An error answer in one line: an RFC 9457 problem's title, detail, code and field errors, or the bare status.</summary>
internal static class Problem
{
    public static string Describe(HttpResponseMessage response, string body)
    {
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}".Trim();
        JsonElement problem;
        try
        {
            using var document = JsonDocument.Parse(body);
            problem = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return $"the host answered {status}";
        }
        if (problem.ValueKind != JsonValueKind.Object || !problem.TryGetProperty("title", out var title))
        {
            return $"the host answered {status}";
        }

        var line = new StringBuilder(title.ToString());
        if (problem.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String && detail.GetString() != title.GetString())
        {
            line.Append(' ').Append(detail.GetString());
        }
        if (problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in errors.EnumerateObject())
            {
                var messages = field.Value.ValueKind == JsonValueKind.Array
                    ? string.Join(" ", field.Value.EnumerateArray().Select(m => m.ToString()))
                    : field.Value.ToString();
                line.Append(' ').Append(field.Name).Append(": ").Append(messages);
            }
        }
        var code = problem.TryGetProperty("code", out var value) ? value.ToString() : null;
        line.Append(" (").Append(code is { Length: > 0 } ? $"{code}, {status}" : status).Append(')');
        return line.ToString();
    }
}
