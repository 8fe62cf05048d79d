using System.Globalization;
using System.Text.Json;

namespace Pipeline.Cli.Output;

/// <summary>Reads the host's JSON leniently: a field the host does not send (an older host) shows as "-", never as a crash.</summary>
internal static class JsonFields
{
    public const string None = "-";

    public static string Text(this JsonElement item, string field) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty(field, out var value) ? Show(value) : None;

    public static JsonElement? Child(this JsonElement item, string field) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static IEnumerable<JsonElement> Items(this JsonElement item, string field) =>
        item.Child(field) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    public static string Show(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => None,
        JsonValueKind.True => "yes",
        JsonValueKind.False => "no",
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Array => string.Join(", ", value.EnumerateArray().Select(Show)),
        JsonValueKind.Object => string.Join(", ", value.EnumerateObject().Select(p => $"{p.Name} {Show(p.Value)}")),
        _ => value.GetRawText(),
    };

    /// <summary>A timestamp as UTC to the second, and how long ago it was: <c>2026-01-05 10:00:03Z (4s ago)</c>.</summary>
    public static string Time(this JsonElement item, string field, DateTimeOffset now)
    {
        var text = item.Text(field);
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return text;
        }
        var age = now - at;
        var ago = age < TimeSpan.Zero ? "in " + Span(-age) : Span(age) + " ago";
        return $"{at.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z ({ago})";
    }

    /// <summary>Money in minor units as the major unit with its currency's decimals: 49900 INR is <c>499.00 INR</c>.</summary>
    public static string Money(this JsonElement item, string field)
    {
        if (item.Child(field) is not { ValueKind: JsonValueKind.Object } money
            || money.Child("amount") is not { ValueKind: JsonValueKind.Number } amount || !amount.TryGetInt64(out var minor))
        {
            return item.Text(field);
        }
        var currency = money.Text("currency");
        var decimals = currency switch
        {
            "JPY" or "KRW" or "VND" or "CLP" or "ISK" or "UGX" or "XAF" or "XOF" or "PYG" or "RWF" => 0,
            "BHD" or "KWD" or "OMR" or "JOD" or "TND" or "IQD" or "LYD" => 3,
            _ => 2,
        };
        var major = minor / (decimal)Math.Pow(10, decimals);
        return $"{major.ToString("N" + decimals, CultureInfo.InvariantCulture)} {currency}";
    }

    private static string Span(TimeSpan span) => span.TotalSeconds switch
    {
        < 60 => $"{span.TotalSeconds:0}s",
        < 3600 => $"{span.TotalMinutes:0}m",
        < 86400 => $"{span.TotalHours:0}h",
        _ => $"{span.TotalDays:0}d",
    };
}
