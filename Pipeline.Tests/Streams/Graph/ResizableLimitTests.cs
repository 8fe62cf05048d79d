using Pipeline.Streams.Graph;

namespace Pipeline.Tests.Streams.Graph;

public sealed class ResizableLimitTests
{
    [Fact]
    public async Task Raising_the_limit_wakes_waiters_and_lowering_it_takes_effect_as_holders_release()
    {
        var limit = new ResizableLimit(2);
        await limit.WaitAsync(CancellationToken.None);
        await limit.WaitAsync(CancellationToken.None);
        var third = limit.WaitAsync(CancellationToken.None).AsTask();
        Assert.False(third.IsCompleted);

        limit.SetLimit(3);
        await third;
        Assert.Equal(3, limit.InUse);

        limit.SetLimit(1);
        var fourth = limit.WaitAsync(CancellationToken.None).AsTask();
        limit.Release();
        limit.Release();
        Assert.False(fourth.IsCompleted); // one still held, and the limit is one
        limit.Release();
        await fourth;
        Assert.Equal(1, limit.InUse);
    }

    [Fact]
    public async Task A_canceled_waiter_does_not_take_a_permit()
    {
        var limit = new ResizableLimit(1);
        await limit.WaitAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var canceled = limit.WaitAsync(cancel.Token).AsTask();
        var next = limit.WaitAsync(CancellationToken.None).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled);
        limit.Release();
        await next;

        Assert.Equal(1, limit.InUse);
    }
}
