namespace Pipeline.Streams.Graph;

/// <summary>
/// Plain counters for one pipeline, shared by its stages: the buffer moves <see cref="QueueDepth"/>, the run's steps
/// (<see cref="Pipelines.Running.GraphRun.Step{TIn, TOut}"/>, the webhook attempts) move the rest. Instruments (meters, health) read these later; nothing here knows about them.
/// </summary>
public sealed class StageCounters
{
    private long _queueDepth;
    private long _inFlight;
    private long _processed;
    private long _failed;

    /// <summary>Items waiting in buffers.</summary>
    public long QueueDepth => Interlocked.Read(ref _queueDepth);

    /// <summary>Items a step is working on now.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>Items whose step succeeded, since the counters were made.</summary>
    public long Processed => Interlocked.Read(ref _processed);

    /// <summary>Items whose step threw (including calls refused by an open breaker), since the counters were made.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public void AddQueueDepth(long delta) => Interlocked.Add(ref _queueDepth, delta);

    public void AddInFlight(long delta) => Interlocked.Add(ref _inFlight, delta);

    public void IncrementProcessed() => Interlocked.Increment(ref _processed);

    public void IncrementFailed() => Interlocked.Increment(ref _failed);
}
