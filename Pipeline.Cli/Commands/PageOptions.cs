using System.CommandLine;
using System.Text.Json;
using Pipeline.Cli.Output;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pipeline.Cli.Commands;

/// <summary><c>--limit</c> and <c>--cursor</c> of a paged list, and the hint that shows how to get the next page.</summary>
internal sealed class PageOptions
{
    private readonly Option<int?> _limit = new("--limit") { Description = "Items per page (1 to 200; the host's default is 50)" };
    private readonly Option<string?> _cursor = new("--cursor") { Description = "The next page, as the previous one printed it" };

    public void AddTo(Command command)
    {
        command.Options.Add(_limit);
        command.Options.Add(_cursor);
    }

    /// <summary>The query string, with <paramref name="filters"/> that have a value.</summary>
    public string Query(ParseResult parse, params (string Name, string? Value)[] filters)
    {
        var parts = filters.Where(f => f.Value is { Length: > 0 }).Select(f => $"{f.Name}={Uri.EscapeDataString(f.Value!)}").ToList();
        if (parse.GetValue(_limit) is { } limit) parts.Add($"limit={limit}");
        if (parse.GetValue(_cursor) is { Length: > 0 } cursor) parts.Add($"cursor={Uri.EscapeDataString(cursor)}");
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    public static IRenderable WithNext(Table table, JsonElement page) =>
        page.Child("nextCursor") is { ValueKind: JsonValueKind.String } next
            ? new Rows(table, new Text($"More: --cursor {next.GetString()}"))
            : table;
}
