using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using Pipeline.Streams.Graph;
using Pipeline.Streams.Stages.Pause;

namespace Pipeline.Tests.Streams.Stages.Pause;

public sealed class PauseValveTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Pausing_holds_items_in_place_and_resuming_lets_them_on_and_the_subscription_ends_with_the_run()
    {
        var settings = PipelineSettings.Live();
        var owned = new List<IDisposable>();
        var (upstream, downstream) = this.SourceProbe<int>()
            .Via(PauseValve.For<int>(settings, owned.Add))
            .ToMaterialized(this.SinkProbe<int>(), Keep.Both)
            .Run(Sys.Materializer());
        downstream.Request(10);
        await upstream.SendNextAsync(1);
        Assert.Equal(1, await downstream.ExpectNextAsync(Hang));

        settings.Update(s => s with { Paused = true });
        await upstream.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200)); // a closed valve asks for nothing more
        await downstream.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        settings.Update(s => s with { Paused = false });
        await upstream.SendNextAsync(2);
        Assert.Equal(2, await downstream.ExpectNextAsync(Hang));

        var subscription = Assert.Single(owned);
        subscription.Dispose();
        settings.Update(s => s with { Paused = true }); // no longer bound: the valve stays open
        await upstream.SendNextAsync(3);
        Assert.Equal(3, await downstream.ExpectNextAsync(Hang));
    }

    [Fact]
    public async Task A_pipeline_paused_before_the_run_starts_with_its_valve_closed()
    {
        var settings = PipelineSettings.Live(PipelineSettings.Default with { Paused = true });
        var downstream = Akka.Streams.Dsl.Source.From([1, 2, 3])
            .Via(PauseValve.For<int>(settings, _ => { }))
            .RunWith(this.SinkProbe<int>(), Sys.Materializer());
        downstream.Request(3);
        await downstream.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));

        settings.Update(s => s with { Paused = false });

        Assert.Equal([1, 2, 3], await downstream.ExpectNextNAsync(3, Hang).ToListAsync());
        await downstream.ExpectCompleteAsync();
    }
}
