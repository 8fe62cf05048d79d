using System.Globalization;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>
/// SQLite has no timestamp type: times are ISO 8601 UTC text, which also sorts correctly. Work-queue times are unix
/// milliseconds instead, because leases and delays are arithmetic on them inside the SQL.
/// </summary>
internal static class SqliteTime
{
    public static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static string? FormatNullable(DateTimeOffset? at) => at is { } value ? Format(value) : null;

    public static DateTimeOffset Parse(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public static DateTimeOffset FromUnixMilliseconds(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
}
