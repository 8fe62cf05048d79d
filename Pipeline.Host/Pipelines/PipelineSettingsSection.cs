using System.Globalization;
using Pipeline.Streams.Pipelines;

namespace Pipeline.Host.Pipelines;

/// <summary>
/// Reads <c>Pipeline:Pipelines:{name}</c> (keys in any case: <c>RatePerSecond</c>, <c>Parallelism</c>, <c>BufferSize</c>,
/// <c>Paused</c>) field by field, naming the full key and the offending value of every field that is unreadable or out of
/// range, so an operator's typo is reported exactly rather than as a bare conversion failure.
/// </summary>
internal static class PipelineSettingsSection
{
    public static string PathOf(string pipeline) => $"{PipelineOptions.Section}:{pipeline}";

    /// <summary>The keys present in the section; <paramref name="errors"/> lists every bad one (then the patch must not be used).</summary>
    public static PipelineSettingsPatch Read(IConfiguration configuration, string pipeline, out IReadOnlyList<string> errors)
    {
        var section = configuration.GetSection(PathOf(pipeline));
        var found = new List<string>();
        var patch = new PipelineSettingsPatch(
            Parse(section, nameof(PipelineSettingsPatch.RatePerSecond), found, static (string text, out double value) =>
                double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value), "a number"),
            Parse(section, nameof(PipelineSettingsPatch.Parallelism), found, static (string text, out int value) =>
                int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value), "a whole number"),
            Parse(section, nameof(PipelineSettingsPatch.BufferSize), found, static (string text, out int value) =>
                int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value), "a whole number"),
            Parse(section, nameof(PipelineSettingsPatch.Paused), found, static (string text, out bool value) =>
                bool.TryParse(text, out value), "true or false"));
        foreach (var (field, message) in patch.Errors())
        {
            found.Add($"{section.Path}:{field} = {section[field]} {message}");
        }
        errors = found;
        return patch;
    }

    private delegate bool TryParse<T>(string text, out T value);

    private static T? Parse<T>(IConfigurationSection section, string key, List<string> errors, TryParse<T> parse, string expected)
        where T : struct
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        if (parse(text.Trim(), out var value))
        {
            return value;
        }
        errors.Add($"{section.Path}:{key} = '{text}' is not {expected}.");
        return null;
    }
}
