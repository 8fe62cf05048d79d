using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.Tests.Operations.Metrics;

/// <summary>One sample line: its metric name, labels (unescaped) and value.</summary>
public sealed record PromSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string LabelsWithout(string name) =>
        string.Join(",", Labels.Where(l => l.Key != name).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
}

/// <summary>One metric family: its HELP, TYPE and samples, in the order they were written.</summary>
public sealed record PromFamily(string Name, string Help, string Type, List<PromSample> Samples);

/// <summary>
/// A strict reader of the Prometheus text exposition format 0.0.4, failing the test on any line the format does not
/// allow: HELP and TYPE once per family before its samples (in either order), <c>name{label="value",...} value</c> with only the three
/// escapes, no repeated series, histogram buckets cumulative and ending with <c>le="+Inf"</c> equal to <c>_count</c>.
/// </summary>
public static partial class PrometheusExposition
{
    public static IReadOnlyDictionary<string, PromFamily> Parse(string text)
    {
        Assert.True(text.EndsWith('\n'), "the exposition ends with a line feed");
        var families = new Dictionary<string, PromFamily>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        PromFamily? current = null;
        // HELP and TYPE of a family come once each, in either order, before its first sample.
        string? headerName = null;
        string? pendingHelp = null;
        string? pendingType = null;
        var lineNumber = 0;
        foreach (var line in text[..^1].Split('\n'))
        {
            lineNumber++;
            var where = $"line {lineNumber}: {line}";
            Assert.False(line.Length == 0, $"no blank lines ({where})");
            Assert.DoesNotContain('\r', line);
            var help = line.StartsWith("# HELP ", StringComparison.Ordinal);
            if (help || line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var rest = line["# HELP ".Length..];
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                Assert.True(space > 0, where);
                var name = rest[..space];
                Assert.Matches(WholeMetricName(), name);
                Assert.False(families.ContainsKey(name), $"HELP and TYPE before the family's samples, once ({where})");
                Assert.True(headerName is null || headerName == name, $"HELP and TYPE of one family together ({where})");
                headerName = name;
                if (help)
                {
                    Assert.Null(pendingHelp);
                    pendingHelp = UnescapeHelp(rest[(space + 1)..], where);
                }
                else
                {
                    Assert.Null(pendingType);
                    pendingType = rest[(space + 1)..];
                    Assert.Contains(pendingType, new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                }
                if (pendingHelp is not null && pendingType is not null)
                {
                    current = new PromFamily(name, pendingHelp, pendingType, []);
                    families.Add(name, current);
                    (headerName, pendingHelp, pendingType) = (null, null, null);
                }
                continue;
            }
            Assert.False(line.StartsWith('#'), $"only HELP and TYPE comments ({where})");
            Assert.True(headerName is null, $"every family has HELP and TYPE ({where})");
            Assert.NotNull(current);
            var sample = ParseSample(line, where);
            var allowed = current.Type == "histogram"
                ? new[] { current.Name + "_bucket", current.Name + "_sum", current.Name + "_count" }
                : new[] { current.Name };
            Assert.True(allowed.Contains(sample.Name), $"sample belongs to the family {current.Name} ({where})");
            Assert.True(series.Add(sample.Name + "{" + sample.LabelsWithout("") + "}"), $"no repeated series ({where})");
            current.Samples.Add(sample);
        }
        Assert.Null(headerName);
        foreach (var family in families.Values.Where(f => f.Type == "histogram"))
        {
            CheckHistogram(family);
        }
        // A format rule only (a counter never goes below zero); what each counter must read after a test's work is
        // checked by that test (MetricsApiTests compares before/after scrapes exactly).
        foreach (var family in families.Values.Where(f => f.Type == "counter"))
        {
            Assert.All(family.Samples, s => Assert.True(s.Value >= 0, $"{s.Name} counts up from zero"));
        }
        return families;
    }

    private static PromSample ParseSample(string line, string where)
    {
        var name = MetricName().Match(line);
        Assert.True(name.Success && name.Index == 0, where);
        var i = name.Length;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var labelName = LabelName().Match(line, i);
                Assert.True(labelName.Success && labelName.Index == i, $"label name at {i} ({where})");
                i += labelName.Length;
                Assert.Equal('=', line[i++]);
                Assert.Equal('"', line[i++]);
                var value = new StringBuilder();
                while (line[i] != '"')
                {
                    if (line[i] == '\\')
                    {
                        value.Append(line[i + 1] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            var other => throw new Xunit.Sdk.XunitException($"escape \\{other} is not in the format ({where})"),
                        });
                        i += 2;
                    }
                    else
                    {
                        value.Append(line[i++]);
                    }
                }
                i++;
                Assert.True(labels.TryAdd(labelName.Value, value.ToString()), $"label {labelName.Value} once ({where})");
                if (line[i] == ',')
                {
                    i++;
                    Assert.NotEqual('}', line[i]); // this writer leaves no trailing comma
                }
            }
            i++;
        }
        Assert.Equal(' ', line[i]);
        var valueText = line[(i + 1)..];
        Assert.DoesNotContain(' ', valueText); // no timestamps from this writer
        var number = valueText switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => ParseNumber(valueText, where),
        };
        return new PromSample(name.Value, labels, number);
    }

    private static double ParseNumber(string text, string where)
    {
        Assert.Matches(Number(), text);
        return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static void CheckHistogram(PromFamily family)
    {
        var groups = family.Samples.GroupBy(s => s.LabelsWithout("le"));
        foreach (var group in groups)
        {
            var buckets = group.Where(s => s.Name == family.Name + "_bucket").ToList();
            Assert.NotEmpty(buckets);
            Assert.All(buckets, b => Assert.True(b.Labels.ContainsKey("le")));
            Assert.Equal("+Inf", buckets[^1].Labels["le"]);
            var bounds = buckets.Select(b => b.Labels["le"] == "+Inf" ? double.PositiveInfinity : double.Parse(b.Labels["le"], CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(bounds.Order(), bounds);
            Assert.Equal(bounds.Count, bounds.Distinct().Count());
            for (var i = 1; i < buckets.Count; i++)
            {
                Assert.True(buckets[i].Value >= buckets[i - 1].Value, $"{family.Name} buckets are cumulative ({group.Key})");
            }
            var count = Assert.Single(group, s => s.Name == family.Name + "_count");
            Assert.Single(group, s => s.Name == family.Name + "_sum");
            Assert.Equal(count.Value, buckets[^1].Value);
        }
    }

    private static string UnescapeHelp(string text, string where)
    {
        var output = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                output.Append(text[i]);
                continue;
            }
            output.Append(text[++i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                var other => throw new Xunit.Sdk.XunitException($"HELP escape \\{other} is not in the format ({where})"),
            });
        }
        return output.ToString();
    }

    [GeneratedRegex("[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex WholeMetricName();

    [GeneratedRegex("[a-zA-Z_][a-zA-Z0-9_]*")]
    private static partial Regex LabelName();

    [GeneratedRegex(@"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")]
    private static partial Regex Number();
}
