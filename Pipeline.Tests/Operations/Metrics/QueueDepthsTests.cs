using Pipeline.Actors.Persistence;
using Pipeline.Actors.Work;
using Pipeline.Host.Operations.Metrics;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Operations.Metrics;

/// <summary>The storage-backed gauges are read at most every so often, however often <c>/metrics</c> is scraped.</summary>
public sealed class QueueDepthsTests
{
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
