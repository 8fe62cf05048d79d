namespace Pipeline.Streams.Pipelines.Webhooks;

/// <summary>
/// Why: the delivery claim polls, but when this node itself just added deliveries (a fan-out) or freed a lane slot
/// (an attempt ended), waiting out the poll interval would add its whole length to every delivery's latency. A pulse
/// ends the current wait at once, or the next one if nobody waits; pulses in between collapse into one. One waiter.
/// </summary>
public sealed class WakeSignal
{
    /// <summary>Guards <see cref="_pulsed"/> and <see cref="_waiter"/>.</summary>
    private readonly Lock _lock = new();

    /// <summary>A pulse that came while nobody waited: the next wait returns at once.</summary>
    private bool _pulsed;

    /// <summary>The task the current wait awaits; a pulse completes it and clears it.</summary>
    private TaskCompletionSource? _waiter;

    public void Pulse()
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            waiter = _waiter;
            _waiter = null;
            _pulsed = waiter is null;
        }
        waiter?.TrySetResult();
    }

    /// <summary>Returns at the first pulse since the last wait returned, or after <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_pulsed)
            {
                _pulsed = false;
                return;
            }
            // Completed by Pulse, which may run under its caller's locks: continuations must not run there.
            waiter = _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        try
        {
            await waiter.Task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        finally
        {
            lock (_lock)
            {
                // Still ours: no pulse came. Otherwise the pulse that took it was this wait's, and is consumed.
                if (ReferenceEquals(_waiter, waiter))
                {
                    _waiter = null;
                }
            }
        }
    }
}
