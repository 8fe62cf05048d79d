using Pipeline.Streams.Graph;

namespace Pipeline.Tests.Streams.Graph;

public sealed class PipelineSettingsTests
{
    private static readonly PipelineSettings Valid = new(RatePerSecond: 20, Parallelism: 8, BufferSize: 500, Paused: false);

    public static TheoryData<PipelineSettings> InvalidSettings() =>
    [
        Valid with { RatePerSecond = 0 },
        Valid with { RatePerSecond = -1 },
        Valid with { RatePerSecond = 100_000.5 },
        Valid with { RatePerSecond = double.NaN },
        Valid with { RatePerSecond = double.PositiveInfinity },
        Valid with { Parallelism = 0 },
        Valid with { Parallelism = 1025 },
        Valid with { BufferSize = 0 },
        Valid with { BufferSize = 100_001 },
    ];

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void An_invalid_value_is_refused_and_the_old_one_stays(PipelineSettings invalid)
    {
        var live = PipelineSettings.Live(Valid);
        var notified = new List<PipelineSettings>();
        using var subscription = live.OnChange(notified.Add);

        Assert.ThrowsAny<ArgumentException>(() => live.Update(invalid));

        Assert.Same(Valid, live.Current);
        Assert.Equal([Valid], notified); // only the immediate call on subscribing
    }

    [Fact]
    public void The_limits_themselves_are_accepted()
    {
        var live = PipelineSettings.Live(Valid);

        live.Update(new PipelineSettings(RatePerSecond: 100_000, Parallelism: 1024, BufferSize: 100_000, Paused: true));
        live.Update(new PipelineSettings(RatePerSecond: 0.001, Parallelism: 1, BufferSize: 1, Paused: false));

        Assert.Equal(new PipelineSettings(0.001, 1, 1, false), live.Current);
    }

    [Fact]
    public void A_change_reaches_every_listener_in_order_until_it_unsubscribes()
    {
        var live = PipelineSettings.Live(Valid);
        var seen = new List<int>();
        var subscription = live.OnChange(s => seen.Add(s.Parallelism));

        live.Update(s => s with { Parallelism = 16 });
        live.Update(s => s with { Parallelism = 32 });
        subscription.Dispose();
        live.Update(s => s with { Parallelism = 64 });

        Assert.Equal([8, 16, 32], seen);
        Assert.Equal(64, live.Current.Parallelism);
    }

    [Fact]
    public void An_invalid_initial_value_is_refused()
    {
        Assert.ThrowsAny<ArgumentException>(() => PipelineSettings.Live(Valid with { Parallelism = 0 }));
    }
}
