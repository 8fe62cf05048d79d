using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Pipeline.Streams.Telemetry;

namespace Pipeline.Host.Operations.Metrics;

/// <summary>
/// Aggregates the host's <c>Pipeline</c> meter with a <see cref="MeterListener"/> and renders it as Prometheus text:
/// counters and up-down counters as running sums, gauges as last values, histograms as cumulative buckets with
/// <c>_sum</c> and <c>_count</c>; observable instruments are read at each scrape. Only meters of this host's
/// <see cref="IMeterFactory"/> are listened to, so hosts sharing a process (tests) keep their own numbers.
/// </summary>
/// <remarks>Hand-written because no Prometheus or OpenTelemetry exporter package is available here.</remarks>
internal sealed class PrometheusCollector : IDisposable
{
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly IMeterFactory _scope;
    private readonly ConcurrentDictionary<Instrument, Family> _families = new();
    private readonly Lock _scrape = new();

    public PrometheusCollector(IMeterFactory meterFactory)
    {
        _scope = meterFactory;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PipelineMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, _scope))
            {
                var family = Family.For(instrument);
                _families[instrument] = family;
                listener.EnableMeasurementEvents(instrument, family);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) => _families.TryRemove(instrument, out Family? _);
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((Family)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((Family)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((Family)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((Family)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments and renders every family, sorted by name.</summary>
    public string Scrape()
    {
        lock (_scrape)
        {
            var families = _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
            foreach (var family in families)
            {
                family.BeginObservation();
            }
            _listener.RecordObservableInstruments();
            var output = new StringBuilder(4096);
            foreach (var family in families)
            {
                family.Write(output);
            }
            return output.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    private enum Kind { Counter, Gauge, Histogram }

    /// <summary>All series of one instrument, by their rendered label set.</summary>
    private sealed class Family(string name, string help, Kind kind, bool observable, bool additive, double[] buckets)
    {
        private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);

        public string Name { get; } = name;

        public static Family For(Instrument instrument)
        {
            var type = instrument.GetType();
            var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
            var kind = definition == typeof(Histogram<>) ? Kind.Histogram
                : definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>) ? Kind.Counter
                : Kind.Gauge;
            var buckets = instrument switch
            {
                Histogram<double> { Advice.HistogramBucketBoundaries: { Count: > 0 } b } => b.ToArray(),
                Histogram<long> { Advice.HistogramBucketBoundaries: { Count: > 0 } b } => b.Select(x => (double)x).ToArray(),
                Histogram<int> { Advice.HistogramBucketBoundaries: { Count: > 0 } b } => b.Select(x => (double)x).ToArray(),
                _ => DefaultBuckets,
            };
            return new Family(
                PrometheusText.MetricName(instrument.Name),
                string.IsNullOrEmpty(instrument.Description) ? instrument.Name : instrument.Description,
                kind,
                instrument.IsObservable,
                additive: definition == typeof(Counter<>) || definition == typeof(UpDownCounter<>),
                buckets);
        }

        /// <summary>Observable instruments report their whole state at each scrape: forget the last one's series.</summary>
        public void BeginObservation()
        {
            if (observable)
            {
                _series.Clear();
            }
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var series = _series.GetOrAdd(PrometheusText.Labels(tags), static (_, b) => new Series(b.Length), buckets);
            lock (series)
            {
                switch (kind)
                {
                    case Kind.Histogram:
                        var i = 0;
                        while (i < buckets.Length && value > buckets[i])
                        {
                            i++;
                        }
                        series.Buckets[i]++;
                        series.Count++;
                        series.Value += value;
                        break;
                    case Kind.Counter or Kind.Gauge when additive:
                        series.Value += value;
                        break;
                    default:
                        series.Value = value; // observable instruments and gauges report the current value
                        break;
                }
            }
        }

        public void Write(StringBuilder output)
        {
            output.Append("# HELP ").Append(Name).Append(' ').Append(PrometheusText.Help(help)).Append('\n');
            output.Append("# TYPE ").Append(Name).Append(' ').Append(kind switch
            {
                Kind.Counter => "counter",
                Kind.Histogram => "histogram",
                _ => "gauge",
            }).Append('\n');
            foreach (var (labels, series) in _series.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                lock (series)
                {
                    if (kind != Kind.Histogram)
                    {
                        PrometheusText.Sample(output, Name, labels, series.Value);
                        continue;
                    }
                    var prefix = labels.Length > 0 ? labels + "," : "";
                    long cumulative = 0;
                    for (var i = 0; i <= buckets.Length; i++)
                    {
                        cumulative += series.Buckets[i];
                        var le = i < buckets.Length ? PrometheusText.Value(buckets[i]) : "+Inf";
                        PrometheusText.Sample(output, Name + "_bucket", prefix + "le=\"" + le + "\"", cumulative);
                    }
                    PrometheusText.Sample(output, Name + "_sum", labels, series.Value);
                    PrometheusText.Sample(output, Name + "_count", labels, series.Count);
                }
            }
        }
    }

    private sealed class Series(int buckets)
    {
        public readonly long[] Buckets = new long[buckets + 1];
        public double Value;
        public long Count;
    }
}
