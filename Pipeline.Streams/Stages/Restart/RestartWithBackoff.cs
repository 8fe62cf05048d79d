namespace Pipeline.Streams.Stages.Restart;

/// <summary>
/// Why: a pipeline is a long-running graph, and one bad dependency (a database restart, a network blip) must not end
/// it for good, nor restart it in a hot loop. This supervisor runs the graph, and when it throws waits
/// <c>min × 2^n</c> (capped, jittered) and runs it again; a run that stayed up for
/// <see cref="RestartSettings.MaxRestartsWithin"/> resets the backoff. It stops when its token is canceled.
/// </summary>
/// <remarks>
/// Waits use <c>Task.Delay(delay, timeProvider, token)</c>, so a test advances a fake clock instead of sleeping.
/// The graph is a <c>Func&lt;CancellationToken, Task&gt;</c>: build a fresh <see cref="Graph.StageContext"/> inside
/// it on every run. A graph that returns normally is finished and not restarted.
/// </remarks>
public sealed class RestartWithBackoff
{
    private readonly Func<CancellationToken, Task> _graph;
    private readonly RestartSettings _settings;
    private readonly TimeProvider _timeProvider;
    private readonly Func<double> _jitterSample;
    private readonly Action<Exception, TimeSpan>? _onRestarting;

    private int _state = (int)RestartState.NotStarted;
    private int _restarts;
    private Exception? _lastFailure;

    /// <param name="graph">One run of the graph; throws to ask for a restart.</param>
    /// <param name="settings">Backoff and limits.</param>
    /// <param name="timeProvider">Clock for the waits and for how long a run lasted; the system clock by default.</param>
    /// <param name="jitterSample">Source of samples in [0, 1] for <see cref="RestartSettings.RandomFactor"/>; <see cref="Random.Shared"/> by default.</param>
    /// <param name="onRestarting">Told of each failure and the wait before the restart (for logs).</param>
    public RestartWithBackoff(
        Func<CancellationToken, Task> graph,
        RestartSettings settings,
        TimeProvider? timeProvider = null,
        Func<double>? jitterSample = null,
        Action<Exception, TimeSpan>? onRestarting = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(settings);
        _graph = graph;
        _settings = settings;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _jitterSample = jitterSample ?? Random.Shared.NextDouble;
        _onRestarting = onRestarting;
    }

    public RestartState State => (RestartState)Volatile.Read(ref _state);

    /// <summary>Restarts so far, over the supervisor's whole life (not reset by a healthy run).</summary>
    public int Restarts => Volatile.Read(ref _restarts);

    /// <summary>The error of the latest failed run, if any.</summary>
    public Exception? LastFailure => Volatile.Read(ref _lastFailure);

    /// <summary>
    /// Runs the graph until it completes, <paramref name="cancellationToken"/> is canceled (returns normally), or
    /// more than <see cref="RestartSettings.MaxRestarts"/> consecutive restarts were needed (throws the last error).
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, (int)RestartState.Running, (int)RestartState.NotStarted) != (int)RestartState.NotStarted)
        {
            throw new InvalidOperationException("A supervisor runs once.");
        }

        var consecutive = 0;
        while (true)
        {
            SetState(RestartState.Running);
            var startedAt = _timeProvider.GetTimestamp();
            TimeSpan backoff;
            try
            {
                await _graph(cancellationToken);
                SetState(RestartState.Completed);
                return;
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                SetState(RestartState.Stopped);
                return;
            }
            catch (Exception failure)
            {
                Volatile.Write(ref _lastFailure, failure);
                if (_timeProvider.GetElapsedTime(startedAt) >= _settings.MaxRestartsWithin)
                {
                    consecutive = 0;
                }
                if (consecutive >= _settings.MaxRestarts)
                {
                    SetState(RestartState.GaveUp);
                    throw;
                }
                backoff = _settings.BackoffFor(consecutive, _jitterSample());
                consecutive++;
                SetState(RestartState.BackingOff);
                _onRestarting?.Invoke(failure, backoff);
            }

            try
            {
                await Task.Delay(backoff, _timeProvider, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                SetState(RestartState.Stopped);
                return;
            }
            Interlocked.Increment(ref _restarts);
        }
    }

    private void SetState(RestartState state) => Volatile.Write(ref _state, (int)state);
}
