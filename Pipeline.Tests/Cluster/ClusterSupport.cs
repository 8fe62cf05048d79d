using System.Diagnostics;
using System.Globalization;
using Pipeline.Actors.Outbox;

namespace Pipeline.Tests.Cluster;

/// <summary>Reads one counter out of a node's <c>/metrics</c> text.</summary>
internal static class ClusterMetrics
{
    /// <summary>The sum of the samples of <paramref name="metric"/> whose label <paramref name="label"/> is <paramref name="value"/>.</summary>
    public static long Sum(string exposition, string metric, string label, string value)
    {
        long total = 0;
        var match = $"{label}=\"{value}\"";
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith(metric + "{", StringComparison.Ordinal) && line.Contains(match, StringComparison.Ordinal))
            {
                var number = line[(line.LastIndexOf(' ') + 1)..];
                total += (long)double.Parse(number, CultureInfo.InvariantCulture);
            }
        }
        return total;
    }
}

/// <summary>Conditions on Akka.Persistence.Sql's <c>event_journal</c> as the cluster tests query it.</summary>
internal static class JournalSql
{
    /// <summary>The rows of one event type, alone or carrying the outbox messages of its command (<see cref="EventWithMessages"/>).</summary>
    public static string ManifestIs(string eventManifest) =>
        $"manifest IN ('{eventManifest}', '{eventManifest}{EventWithMessages.ManifestSuffix}')";
}

/// <summary>Polls a condition that depends on other processes (nodes, the database).</summary>
internal static class Poll
{
    /// <summary>True once <paramref name="condition"/> holds, false if it still does not after <paramref name="timeout"/>.</summary>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? every = null)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (stopwatch.Elapsed > timeout)
            {
                return false;
            }
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(200));
        }
        return true;
    }

    /// <summary>How long it took until <paramref name="condition"/> held, measured from <paramref name="since"/>; null on timeout.</summary>
    public static async Task<TimeSpan?> TimeUntilAsync(Func<Task<bool>> condition, Stopwatch since, TimeSpan timeout, TimeSpan every)
    {
        while (!await condition())
        {
            if (since.Elapsed > timeout)
            {
                return null;
            }
            await Task.Delay(every);
        }
        return since.Elapsed;
    }
}
