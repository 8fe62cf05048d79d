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
    public async Task Taking_the_free_permits_takes_only_what_is_free_never_jumps_a_waiter_and_releases_in_one_go()
    {
        var limit = new ResizableLimit(5);
        await limit.WaitAsync(CancellationToken.None);
        Assert.Equal(3, limit.TakeFree(3));
        Assert.Equal(1, limit.TakeFree(10)); // only one was left
        Assert.Equal(0, limit.TakeFree(1));
        var waiter = limit.WaitAsync(CancellationToken.None).AsTask();

        limit.Release(2);
        await waiter; // the waiter got the first of the two released
        Assert.Equal(4, limit.InUse);
        Assert.Equal(1, limit.TakeFree(5));
        Assert.Equal(5, limit.InUse);
        limit.Release(5);
        Assert.Equal(0, limit.InUse);
        Assert.Throws<InvalidOperationException>(() => limit.Release(1));
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
