using System.Globalization;
using System.Text;

namespace Pipeline.Host.Operations.Metrics;

/// <summary>
/// The pieces of the Prometheus text exposition format 0.0.4: metric and label names, escaped label values and
/// help text, and sample values as Go's ParseFloat reads them (<c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>).
/// </summary>
internal static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>A metric name: <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>; anything else becomes <c>_</c>.</summary>
    public static string MetricName(string name) => Sanitize(name, allowColon: true);

    /// <summary>A label name: <c>[a-zA-Z_][a-zA-Z0-9_]*</c>.</summary>
    public static string LabelName(string name) => Sanitize(name, allowColon: false);

    /// <summary>Label values escape backslash, double quote and line feed.</summary>
    public static string LabelValue(string value)
    {
        if (value.AsSpan().IndexOfAny('\\', '"', '\n') < 0)
        {
            return value;
        }
        return value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal);
    }

    /// <summary>HELP text escapes backslash and line feed.</summary>
    public static string Help(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    public static string Value(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary><c>name="value",...</c> sorted by name, without braces; empty for no labels.</summary>
    public static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return "";
        }
        var pairs = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            pairs[i] = new(LabelName(tags[i].Key), Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? "");
        }
        Array.Sort(pairs, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var text = new StringBuilder();
        foreach (var (name, value) in pairs)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }
            text.Append(name).Append("=\"").Append(LabelValue(value)).Append('"');
        }
        return text.ToString();
    }

    /// <summary>One sample line: <c>name{labels} value</c>, or <c>name value</c> without labels.</summary>
    public static void Sample(StringBuilder output, string name, string labels, double value)
    {
        output.Append(name);
        if (labels.Length > 0)
        {
            output.Append('{').Append(labels).Append('}');
        }
        output.Append(' ').Append(Value(value)).Append('\n');
    }

    private static string Sanitize(string name, bool allowColon)
    {
        if (name.Length == 0)
        {
            return "_";
        }
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            var ok = char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':') || (i > 0 && char.IsAsciiDigit(c));
            if (!ok)
            {
                chars[i] = '_';
            }
        }
        return new string(chars);
    }
}
