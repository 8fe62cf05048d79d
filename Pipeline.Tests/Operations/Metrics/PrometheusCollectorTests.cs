using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Actors.Persistence;
using Pipeline.Actors.Work;
using Pipeline.Host.Operations.Metrics;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Operations.Metrics;

/// <summary>The collector and writer on their own: aggregation per kind, escaping, and which meters it listens to.</summary>
public sealed class PrometheusCollectorTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    private IMeterFactory Factory => _services.GetRequiredService<IMeterFactory>();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Counters_histograms_gauges_and_escaped_labels_render_as_the_format_says()
    {
        using var collector = new PrometheusCollector(Factory);
        var meter = Factory.Create("Pipeline");
        var counter = meter.CreateCounter<long>("test_things_total", description: "Things.\nSecond line with a \\ backslash.");
        var updown = meter.CreateUpDownCounter<int>("test_open");
        var histogram = meter.CreateHistogram("test_seconds", unit: "s", description: "Durations.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1, 10] });
        var gaugeValue = 7.5;
        meter.CreateObservableGauge("test_level", () => new Measurement<double>(gaugeValue, new KeyValuePair<string, object?>("zone", "a")));

        const string weird = "quote \" backslash \\ newline \n end";
        counter.Add(2, new KeyValuePair<string, object?>("kind", weird));
        counter.Add(3, new KeyValuePair<string, object?>("kind", weird));
        counter.Add(1, new KeyValuePair<string, object?>("kind", "plain"), new KeyValuePair<string, object?>("a-b", "x"));
        updown.Add(5);
        updown.Add(-2);
        foreach (var value in new[] { 0.05, 0.1, 0.5, 3, 50 })
        {
            histogram.Record(value, new KeyValuePair<string, object?>("route", "/r/{id}"));
        }

        var text = collector.Scrape();
        var families = PrometheusExposition.Parse(text);

        var things = families["test_things_total"];
        Assert.Equal("counter", things.Type);
        Assert.Equal("Things.\nSecond line with a \\ backslash.", things.Help);
        Assert.Equal(5, Assert.Single(things.Samples, s => s.Labels.GetValueOrDefault("kind") == weird).Value);
        Assert.Equal(1, Assert.Single(things.Samples, s => s.Labels.GetValueOrDefault("a_b") == "x").Value); // label names sanitized
        Assert.Contains("kind=\"quote \\\" backslash \\\\ newline \\n end\"", text, StringComparison.Ordinal);

        Assert.Equal("gauge", families["test_open"].Type);
        Assert.Equal(3, Assert.Single(families["test_open"].Samples).Value);

        var seconds = families["test_seconds"];
        Assert.Equal("histogram", seconds.Type);
        var buckets = seconds.Samples.Where(s => s.Name == "test_seconds_bucket").ToDictionary(s => s.Labels["le"], s => s.Value);
        Assert.Equal(new Dictionary<string, double> { ["0.1"] = 2, ["1"] = 3, ["10"] = 4, ["+Inf"] = 5 }, buckets);
        Assert.Equal(53.65, Assert.Single(seconds.Samples, s => s.Name == "test_seconds_sum").Value, 6);
        Assert.Equal("/r/{id}", seconds.Samples[0].Labels["route"]);

        Assert.Equal(7.5, Assert.Single(families["test_level"].Samples).Value);
        gaugeValue = 8;
        Assert.Equal(8, Assert.Single(PrometheusExposition.Parse(collector.Scrape())["test_level"].Samples).Value);
    }

    [Fact]
    public void Only_the_Pipeline_meter_of_its_own_factory_is_exposed()
    {
        using var collector = new PrometheusCollector(Factory);
        using var otherServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
        Factory.Create("Pipeline").CreateCounter<long>("mine_total").Add(1);
        Factory.Create("Other").CreateCounter<long>("other_meter_total").Add(1);
        otherServices.GetRequiredService<IMeterFactory>().Create("Pipeline").CreateCounter<long>("other_host_total").Add(1);
        using var unscoped = new Meter("Pipeline");
        unscoped.CreateCounter<long>("unscoped_total").Add(1);

        var families = PrometheusExposition.Parse(collector.Scrape());

        Assert.Equal(new[] { "mine_total" }, families.Keys.ToArray());
    }

    [Fact]
    public async Task Queue_depths_are_read_from_storage_at_most_once_per_two_seconds()
    {
        var clock = new ManualTimeProvider();
        var calls = 0;
        var work = Forwarding<IWorkQueue>.Create(null!, (method, args) =>
        {
            if (method.Name != nameof(IWorkQueue.DepthAsync))
            {
                throw new InvalidOperationException(method.Name);
            }
            Interlocked.Increment(ref calls);
            return (true, Task.FromResult(new QueueDepth((string)args![0]! == OutboxRoutes.Tickets ? 7 : 1, 0, 0, 0)));
        });
        var storage = Forwarding<IStorage>.Create(null!, (method, _) =>
            method.Name == "get_Work" ? (true, work) : throw new InvalidOperationException(method.Name));
        var depths = new QueueDepths(storage, clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<QueueDepths>.Instance);

        for (var i = 0; i < 10; i++)
        {
            await depths.RefreshIfStaleAsync(CancellationToken.None);
            clock.Advance(TimeSpan.FromMilliseconds(150));
        }
        Assert.Equal(QueueDepths.Queues.Count, calls);
        Assert.Equal(7, depths.Current[OutboxRoutes.Tickets].Ready);

        clock.Advance(TimeSpan.FromSeconds(1));
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => depths.RefreshIfStaleAsync(CancellationToken.None)));
        Assert.Equal(2 * QueueDepths.Queues.Count, calls);
    }
}
