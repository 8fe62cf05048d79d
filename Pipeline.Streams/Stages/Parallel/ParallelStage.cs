using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Pipeline.Streams.Graph;

namespace Pipeline.Streams.Stages.Parallel;

/// <summary>
/// Why: the step at the end of a pipeline is I/O (an HTTP call, a database write), so one item at a time wastes the
/// wait; this stage runs the step on up to <see cref="Parallelism"/> items at once and never more, which also bounds
/// how many items are held in memory.
/// </summary>
/// <remarks>
/// <para>Output is unordered: results are written as their steps finish. Each item settles on its own: a step that
/// throws counts as failed and goes to <see cref="ParallelStageOptions{TIn}.OnFailure"/>; it does not stop the
/// stage or its neighbours. Only cancellation of the graph, an upstream error, or a throwing
/// <c>OnFailure</c> ends the stage early, and then it cancels the running steps and waits for them.</para>
/// <para><see cref="Parallelism"/> is a <see cref="ResizableLimit"/>: growing it starts items at once, shrinking it
/// lets running items finish and starts no new one until fewer than the new limit run. A permit is held until the
/// item's result was accepted downstream, so a stalled sink stalls this stage too.</para>
/// </remarks>
public sealed class ParallelStage<TIn, TOut> : IStage<TIn, TOut>
{
    /// <summary>Guards <see cref="_parallelism"/> and <see cref="_active"/> together.</summary>
    private readonly Lock _lock = new();

    private readonly Func<TIn, CancellationToken, ValueTask<TOut>> _step;
    private readonly Func<TIn, Exception, CancellationToken, ValueTask>? _onFailure;
    private readonly StageCounters? _counters;
    private int _parallelism;

    /// <summary>The permits of the current run.</summary>
    private ResizableLimit? _active;

    public ParallelStage(Func<TIn, CancellationToken, ValueTask<TOut>> step, ParallelStageOptions<TIn>? options = null)
    {
        ArgumentNullException.ThrowIfNull(step);
        options ??= new ParallelStageOptions<TIn>();
        ParallelDefaults.ValidateParallelism(options.Parallelism, nameof(options.Parallelism));
        _step = step;
        _onFailure = options.OnFailure;
        _counters = options.Counters;
        _parallelism = options.Parallelism;
    }

    public int Parallelism
    {
        get
        {
            lock (_lock) return _parallelism;
        }
        set
        {
            ParallelDefaults.ValidateParallelism(value, nameof(Parallelism));
            lock (_lock)
            {
                _parallelism = value;
                _active?.SetLimit(value);
            }
        }
    }

    public async Task RunAsync(ChannelReader<TIn> input, ChannelWriter<TOut> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ResizableLimit permits;
        lock (_lock)
        {
            permits = _active = new ResizableLimit(_parallelism);
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = new Run(this, output, permits, stop);
        try
        {
            await run.DispatchAsync(input);
        }
        finally
        {
            lock (_lock)
            {
                if (ReferenceEquals(_active, permits))
                {
                    _active = null;
                }
            }
        }
    }

    /// <summary>The state of one <see cref="RunAsync"/>: its permits, its running items and its first failure.</summary>
    private sealed class Run(ParallelStage<TIn, TOut> stage, ChannelWriter<TOut> output, ResizableLimit permits, CancellationTokenSource stop)
    {
        /// <summary>Guards <see cref="_running"/>.</summary>
        private readonly Lock _lock = new();

        /// <summary>Items being worked on; each removes itself when done.</summary>
        private readonly HashSet<Task> _running = [];

        /// <summary>The first error that must fail the stage (a throwing OnFailure, a refused write).</summary>
        private Exception? _fault;

        public async Task DispatchAsync(ChannelReader<TIn> input)
        {
            var token = stop.Token;
            Exception? dispatchError = null;
            try
            {
                while (true)
                {
                    await permits.WaitAsync(token);
                    if (!await input.WaitToReadAsync(token))
                    {
                        break;
                    }
                    if (!input.TryRead(out var item))
                    {
                        permits.Release();
                        continue;
                    }
                    Start(item, token);
                }
            }
            catch (Exception error)
            {
                dispatchError = error;
                await stop.CancelAsync();
            }

            Task[] running;
            lock (_lock)
            {
                running = [.. _running];
            }
            try
            {
                await Task.WhenAll(running);
            }
            catch (Exception)
            {
                // Items only end in error when canceled or when they recorded a fault; both are reported below.
            }

            if (Volatile.Read(ref _fault) is { } fault)
            {
                ExceptionDispatchInfo.Throw(fault);
            }
            if (dispatchError is not null)
            {
                ExceptionDispatchInfo.Throw(dispatchError);
            }
        }

        private void Start(TIn item, CancellationToken token)
        {
            stage._counters?.AddInFlight(1);
            var task = Task.Run(() => SettleAsync(item, token), CancellationToken.None);
            lock (_lock)
            {
                _running.Add(task);
            }
            _ = task.ContinueWith(
                (done, state) =>
                {
                    var run = (Run)state!;
                    lock (run._lock)
                    {
                        run._running.Remove(done);
                    }
                },
                this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        private async Task SettleAsync(TIn item, CancellationToken token)
        {
            try
            {
                TOut result;
                try
                {
                    result = await stage._step(item, token);
                }
                catch (Exception error) when (!token.IsCancellationRequested)
                {
                    stage._counters?.IncrementFailed();
                    if (stage._onFailure is { } onFailure)
                    {
                        await onFailure(item, error, token);
                    }
                    return;
                }
                stage._counters?.IncrementProcessed();
                await output.WriteAsync(result, token);
            }
            catch (Exception error) when (!token.IsCancellationRequested)
            {
                Interlocked.CompareExchange(ref _fault, error, null);
                await stop.CancelAsync();
            }
            finally
            {
                stage._counters?.AddInFlight(-1);
                permits.Release();
            }
        }
    }
}
