namespace Pipeline.Streams.Pipelines.Running;

/// <summary>
/// What operators see of a pipeline's restarts: its graph runs under Akka's <c>RestartSource.OnFailuresWithBackoff</c>
/// (<see cref="SupervisedGraph"/>), which says nothing itself; each run reports here when it starts and when it fails.
/// </summary>
public sealed class PipelineSupervisor
{
    private int _state = (int)RestartState.NotStarted;
    private int _runs;
    private int _restarts;
    private Exception? _lastFailure;

    public RestartState State => (RestartState)Volatile.Read(ref _state);

    /// <summary>Restarts so far, over the pipeline's whole life.</summary>
    public int Restarts => Volatile.Read(ref _restarts);

    /// <summary>The error of the latest failed run, if any.</summary>
    public Exception? LastFailure => Volatile.Read(ref _lastFailure);

    /// <summary>A run starts: the first, or a restart after a failure.</summary>
    internal void Started()
    {
        if (Interlocked.Increment(ref _runs) > 1)
        {
            Interlocked.Increment(ref _restarts);
        }
        Set(RestartState.Running);
    }

    /// <summary>A run failed; the restart source waits out its backoff before the next.</summary>
    internal void Failed(Exception failure)
    {
        Volatile.Write(ref _lastFailure, failure);
        Set(RestartState.BackingOff);
    }

    internal void Ended(bool stopping) => Set(stopping ? RestartState.Stopped : RestartState.Completed);

    private void Set(RestartState state) => Volatile.Write(ref _state, (int)state);
}
