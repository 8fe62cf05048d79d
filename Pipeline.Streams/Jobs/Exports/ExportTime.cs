using System.Globalization;

namespace Pipeline.Streams.Jobs.Exports;

/// <summary>Times in exports as the API writes them: ISO 8601 UTC with milliseconds and a <c>Z</c>.</summary>
internal static class ExportTime
{
    public static string? Format(DateTimeOffset? at) =>
        at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
