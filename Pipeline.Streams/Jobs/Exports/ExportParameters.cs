using System.Text.Json;

namespace Pipeline.Streams.Jobs.Exports;

/// <summary>What an attendee export exports: the event, the file format (<c>csv</c>, <c>ndjson</c>) and which registrations (<c>paid</c>, <c>all</c>).</summary>
public sealed record ExportParameters(string EventId, string Format, string Status)
{
    public const string JobType = "export";

    public const string Csv = "csv";
    public const string Ndjson = "ndjson";
    public const string Paid = "paid";
    public const string All = "all";

    public static IReadOnlyList<string> Formats { get; } = [Csv, Ndjson];

    public static IReadOnlyList<string> Statuses { get; } = [Paid, All];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ExportParameters FromJson(string json) =>
        JsonSerializer.Deserialize<ExportParameters>(json, Json) is { EventId: not null, Format: not null, Status: not null } parameters
            ? parameters
            : throw new JobRejectedException("The export's parameters are incomplete.");

    /// <summary>The file's name as the download names it: <c>registrations-{eventId}.csv</c>.</summary>
    public string FileName => $"registrations-{EventId}.{Format}";

    public string ContentType => Format == Ndjson ? "application/x-ndjson" : "text/csv; charset=utf-8";
}
