using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using Pipeline.Streams.Graph;
using Pipeline.Streams.Stages.Buffer;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Stages.Buffer;

public sealed class LiveBufferTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    private IMaterializer Materializer => Sys.Materializer();

    [Fact]
    public async Task A_million_item_producer_is_held_back_at_the_buffer_size_by_a_sink_that_never_asks()
    {
        var counters = new StageCounters();
        long produced = 0;
        var downstream = Akka.Streams.Dsl.Source.From(Enumerable.Range(0, 1_000_000))
            .Select(i =>
            {
                Interlocked.Increment(ref produced);
                return i;
            })
            .Via(new LiveBuffer<int>(Settings(bufferSize: 100), counters))
            .RunWith(this.SinkProbe<int>(), Materializer);
        await downstream.EnsureSubscriptionAsync();

        Assert.True(await Eventually.HoldsAsync(() => counters.QueueDepth == 100, Hang));
        await Task.Delay(200); // a held-back producer stays held back; waiting only gives a leak the chance to show
        Assert.Equal(100, counters.QueueDepth);
        Assert.InRange(Interlocked.Read(ref produced), 100, 100 + 16); // the buffer, and Akka's own input buffer before it
    }

    [Fact]
    public async Task Items_pass_in_order_and_the_stream_completes_after_the_last()
    {
        var counters = new StageCounters();
        var (upstream, downstream) = this.SourceProbe<int>()
            .Via(new LiveBuffer<int>(Settings(bufferSize: 3), counters))
            .ToMaterialized(this.SinkProbe<int>(), Keep.Both)
            .Run(Materializer);
        for (var i = 1; i <= 3; i++)
        {
            await upstream.SendNextAsync(i);
        }
        await upstream.SendCompleteAsync();
        Assert.True(await Eventually.HoldsAsync(() => counters.QueueDepth == 3, Hang));

        downstream.Request(3);
        Assert.Equal([1, 2, 3], await downstream.ExpectNextNAsync(3, Hang).ToListAsync());
        await downstream.ExpectCompleteAsync();
        Assert.Equal(0, counters.QueueDepth);
    }

    [Fact]
    public async Task An_upstream_error_fails_the_stream()
    {
        var (upstream, downstream) = this.SourceProbe<int>()
            .Via(new LiveBuffer<int>(Settings(bufferSize: 3)))
            .ToMaterialized(this.SinkProbe<int>(), Keep.Both)
            .Run(Materializer);
        await downstream.EnsureSubscriptionAsync();
        await upstream.SendNextAsync(1);

        upstream.SendError(new InvalidOperationException("source broke"));

        Assert.Equal("source broke", (await downstream.ExpectErrorAsync()).Message);
    }

    [Fact]
    public async Task The_size_changes_live_raising_pulls_at_once_and_lowering_drops_nothing()
    {
        var settings = Settings(bufferSize: 2);
        var counters = new StageCounters();
        var downstream = Akka.Streams.Dsl.Source.From(Enumerable.Range(0, 100))
            .Via(new LiveBuffer<int>(settings, counters))
            .RunWith(this.SinkProbe<int>(), Materializer);
        await downstream.EnsureSubscriptionAsync();
        Assert.True(await Eventually.HoldsAsync(() => counters.QueueDepth == 2, Hang));

        settings.Update(s => s with { BufferSize = 10 });
        Assert.True(await Eventually.HoldsAsync(() => counters.QueueDepth == 10, Hang));

        settings.Update(s => s with { BufferSize = 4 });
        downstream.Request(3);
        Assert.Equal([0, 1, 2], await downstream.ExpectNextNAsync(3, Hang).ToListAsync());
        await Task.Delay(100);
        Assert.Equal(7, counters.QueueDepth); // still above the new size: nothing pulled, nothing dropped

        downstream.Request(97);
        Assert.Equal(Enumerable.Range(3, 97), await downstream.ExpectNextNAsync(97, Hang).ToListAsync());
        await downstream.ExpectCompleteAsync();
    }

    private static LiveSettings<PipelineSettings> Settings(int bufferSize) =>
        PipelineSettings.Live(PipelineSettings.Default with { BufferSize = bufferSize });
}
