namespace Pipeline.Streams.Stages.Pause;

/// <summary>
/// Why: an operator must be able to stop a pipeline's flow without tearing the graph down (a provider asks us to
/// hold off, a bad batch is being looked at) and start it again where it was. The gate is the switch; stages await
/// <see cref="WaitIfPausedAsync"/> before they pull the next item, so a paused pipeline holds its items in place
/// and backpressure stops the source.
/// </summary>
public sealed class PauseGate
{
    /// <summary>Guards <see cref="_resumed"/>.</summary>
    private readonly Lock _lock = new();

    /// <summary>Null while open; while paused, the task every waiter awaits, completed by <see cref="Resume"/>.</summary>
    private TaskCompletionSource? _resumed;

    private int _waiting;

    public PauseGate(bool paused = false)
    {
        if (paused)
        {
            Pause();
        }
    }

    public bool IsPaused
    {
        get
        {
            lock (_lock) return _resumed is not null;
        }
    }

    /// <summary>Callers parked at the gate right now; a test's way to see a stage has stopped.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    public void Pause()
    {
        lock (_lock)
        {
            // Resume may be called from a settings listener; the stages it wakes must not run inline on that thread.
            _resumed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Resume()
    {
        TaskCompletionSource? resumed;
        lock (_lock)
        {
            resumed = _resumed;
            _resumed = null;
        }
        resumed?.TrySetResult();
    }

    /// <summary>Pauses or resumes; for binding to <see cref="Graph.PipelineSettings.Paused"/>.</summary>
    public void Set(bool paused)
    {
        if (paused)
        {
            Pause();
        }
        else
        {
            Resume();
        }
    }

    /// <summary>Completes at once while open; while paused, when <see cref="Resume"/> is called (or the token is canceled).</summary>
    public ValueTask WaitIfPausedAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource? resumed;
        lock (_lock)
        {
            resumed = _resumed;
        }
        return resumed is null ? ValueTask.CompletedTask : WaitSlowAsync(resumed.Task, cancellationToken);
    }

    private async ValueTask WaitSlowAsync(Task resumed, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            await resumed.WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }
}
