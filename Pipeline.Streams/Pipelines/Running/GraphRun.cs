using System.Threading.Channels;
using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Pipeline.Streams.Graph;

namespace Pipeline.Streams.Pipelines.Running;

/// <summary>
/// One run of a pipeline's graph (the first, or one after a restart): what its sources and steps share, and what must
/// happen once its stream has ended, whatever the reason. Akka.Streams neither awaits nor cancels the tasks of a stage
/// that stopped, so the run does: it cancels <see cref="Token"/>, waits for its claim loops and for every step still
/// running (a WhatsApp send under way must settle before anything is handed back), then runs the cleanups, which
/// hand back what was claimed and not settled.
/// </summary>
public sealed class GraphRun
{
    /// <summary>Guards the lists below.</summary>
    private readonly Lock _lock = new();

    private readonly List<Task> _producers = [];
    private readonly HashSet<Task> _steps = [];
    private readonly List<Func<Task>> _cleanups = [];
    private readonly List<IDisposable> _subscriptions = [];
    private readonly CancellationTokenSource _cancellation;
    private readonly SharedKillSwitch _drain;

    internal GraphRun(SharedKillSwitch drain, CancellationToken stopClaiming, CancellationToken hardStop)
    {
        _drain = drain;
        StopClaiming = stopClaiming;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(hardStop);
    }

    /// <summary>Canceled once the run's stream has ended, or when the drain ran out of time: steps stop, claims end.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>Canceled when the node begins to stop: sources claim nothing more.</summary>
    public CancellationToken StopClaiming { get; }

    /// <summary>
    /// A source of what <paramref name="produce"/> writes (a claim loop over durable storage), through a bounded channel
    /// of <paramref name="capacity"/>, so the loop waits whenever the graph below is full. The node's drain switch
    /// follows it: on stop it completes the graph below, which then finishes what it holds.
    /// </summary>
    public Source<T, NotUsed> Claims<T>(Func<ChannelWriter<T>, CancellationToken, Task> produce, int capacity = 1)
    {
        ArgumentNullException.ThrowIfNull(produce);
        var channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait });
        var token = Token;
        var producer = Task.Run(async () =>
        {
            try
            {
                await produce(channel.Writer, token);
                channel.Writer.TryComplete();
            }
            catch (Exception error)
            {
                channel.Writer.TryComplete(error is OperationCanceledException && token.IsCancellationRequested ? null : error);
            }
        }, CancellationToken.None);
        lock (_lock)
        {
            _producers.Add(producer);
        }
        return ChannelSource.FromReader(channel.Reader).Via(_drain.Flow<T>());
    }

    /// <summary>
    /// <paramref name="step"/> as a step of this run: counted in <paramref name="counters"/> (in flight, processed,
    /// failed) and awaited before the run ends. A step that throws goes to <paramref name="onFailure"/> (which settles
    /// or hands back its item) and yields null, so one bad item never fails the graph; one cut short by the end of the
    /// run leaves its item unsettled, for the run's cleanup to hand back.
    /// </summary>
    public Func<TIn, Task<TOut?>> Step<TIn, TOut>(
        StageCounters counters,
        Func<TIn, CancellationToken, Task<TOut>> step,
        Func<TIn, Exception, CancellationToken, Task> onFailure) where TOut : class
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(onFailure);
        return item => Track(RunAsync(item));

        async Task<TOut?> RunAsync(TIn item)
        {
            counters.AddInFlight(1);
            try
            {
                var result = await step(item, Token);
                counters.IncrementProcessed();
                return result;
            }
            catch (Exception error) when (!Token.IsCancellationRequested)
            {
                counters.IncrementFailed();
                await onFailure(item, error, Token);
                return null;
            }
            finally
            {
                counters.AddInFlight(-1);
            }
        }
    }

    /// <summary>Disposed when the run ends (settings subscriptions of the run's own objects).</summary>
    public void Using(IDisposable subscription)
    {
        lock (_lock)
        {
            _subscriptions.Add(subscription);
        }
    }

    /// <summary>Runs once the run's stream, claim loops and steps have all ended, in the order registered.</summary>
    public void Finally(Func<Task> cleanup)
    {
        lock (_lock)
        {
            _cleanups.Add(cleanup);
        }
    }

    /// <summary>Called with the termination of the run's stream; completes when everything of the run has ended.</summary>
    internal async Task EndAsync(Task streamEnded)
    {
        try
        {
            await streamEnded;
        }
        catch (Exception)
        {
            // The supervisor was told; the run ends the same way either way.
        }
        await _cancellation.CancelAsync();
        Task[] running;
        lock (_lock)
        {
            running = [.. _producers, .. _steps];
        }
        // Claim loops and steps catch their own failures; whatever they throw now is a cancellation.
        await Task.WhenAll(running.Select(t => t.ContinueWith(static _ => { }, TaskScheduler.Default)));
        List<Func<Task>> cleanups;
        lock (_lock)
        {
            cleanups = [.. _cleanups];
            foreach (var subscription in _subscriptions)
            {
                subscription.Dispose();
            }
        }
        foreach (var cleanup in cleanups)
        {
            await cleanup();
        }
        _cancellation.Dispose();
    }

    /// <summary>A task of this run that the stream does not await (a fan-out, an attempt): awaited before the run ends.</summary>
    public Task<T> Track<T>(Task<T> step)
    {
        lock (_lock)
        {
            _steps.Add(step);
        }
        step.ContinueWith(done =>
        {
            lock (_lock)
            {
                _steps.Remove(done);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return step;
    }
}
