namespace Pipeline.Streams.Graph;

/// <summary>
/// An async semaphore whose limit can change while permits are out: raising it wakes waiters at once, lowering it
/// takes nothing back but hands out no new permit until enough holders have released. A leased source's budget
/// (claimed-but-unsettled items) and the webhook deliveries' slots are such a limit, which is how they change live.
/// </summary>
public sealed class ResizableLimit
{
    /// <summary>Guards every field below.</summary>
    private readonly Lock _lock = new();

    /// <summary>Waiters in arrival order; a canceled one stays until it reaches the head and is skipped.</summary>
    private readonly Queue<TaskCompletionSource> _waiters = new();

    private int _limit;
    private int _inUse;

    public ResizableLimit(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        _limit = limit;
    }

    public int Limit
    {
        get
        {
            lock (_lock) return _limit;
        }
    }

    /// <summary>Permits held right now; above <see cref="Limit"/> only for a while after the limit was lowered.</summary>
    public int InUse
    {
        get
        {
            lock (_lock) return _inUse;
        }
    }

    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TaskCompletionSource waiter;
        lock (_lock)
        {
            AssertInvariants();
            if (_inUse < _limit && _waiters.Count == 0)
            {
                _inUse++;
                return ValueTask.CompletedTask;
            }
            // Completed inside the lock by Release/SetLimit: continuations must not run there.
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter);
        }
        return WaitSlowAsync(waiter, cancellationToken);
    }

    /// <summary>
    /// Takes up to <paramref name="count"/> permits that are free right now, without waiting and never ahead of a
    /// waiter; returns how many it took (0 to <paramref name="count"/>). A claim uses it to ask for all the room there is.
    /// </summary>
    public int TakeFree(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_lock)
        {
            if (_waiters.Count > 0)
            {
                return 0;
            }
            var taken = Math.Clamp(_limit - _inUse, 0, count);
            _inUse += taken;
            return taken;
        }
    }

    public void Release() => Release(1);

    /// <summary>Gives back <paramref name="count"/> permits at once (0 does nothing).</summary>
    public void Release(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0)
        {
            return;
        }
        lock (_lock)
        {
            if (_inUse < count)
            {
                throw new InvalidOperationException("Release without a matching WaitAsync.");
            }
            _inUse -= count;
            GrantUnsynchronized();
        }
    }

    public void SetLimit(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        lock (_lock)
        {
            _limit = limit;
            GrantUnsynchronized();
        }
    }

    private static async ValueTask WaitSlowAsync(TaskCompletionSource waiter, CancellationToken cancellationToken)
    {
        // Whichever of grant and cancel completes the waiter first wins; a granted permit is never lost.
        await using var registration = cancellationToken.Register(
            static state => ((TaskCompletionSource)state!).TrySetCanceled(), waiter);
        await waiter.Task;
    }

    /// <summary>Must hold <see cref="_lock"/>.</summary>
    private void GrantUnsynchronized()
    {
        while (_inUse < _limit && _waiters.TryDequeue(out var waiter))
        {
            if (waiter.TrySetResult())
            {
                _inUse++;
            }
        }
        AssertInvariants();
    }

    [System.Diagnostics.Conditional("DEBUG")]
    private void AssertInvariants()
    {
        System.Diagnostics.Debug.Assert(_inUse >= 0);
        System.Diagnostics.Debug.Assert(_limit >= 1);
    }
}
