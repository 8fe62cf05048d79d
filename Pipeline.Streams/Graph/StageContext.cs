using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Pipeline.Streams.Graph;

/// <summary>
/// Runs the stages of one graph and ties their lifetimes together: the first stage to fail cancels the others, and
/// <see cref="Completion"/> reports that first failure rather than the cancellations it caused. One context is one
/// run of a graph; <see cref="Stages.Restart.RestartWithBackoff"/> builds a new one for every restart.
/// </summary>
public sealed class StageContext : IAsyncDisposable
{
    private readonly CancellationTokenSource _cancellation;

    /// <summary>Guards <see cref="_running"/>.</summary>
    private readonly Lock _lock = new();

    /// <summary>Every stage started in this context, to await on completion and disposal.</summary>
    private readonly List<Task> _running = [];

    /// <summary>The error that brought the graph down; later errors are its consequences.</summary>
    private Exception? _firstFault;

    public StageContext(CancellationToken cancellationToken = default) =>
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

    /// <summary>Canceled when the caller's token is, or when any stage fails.</summary>
    public CancellationToken Cancellation => _cancellation.Token;

    /// <summary>A flow over a channel someone else writes (a queue poller, a test).</summary>
    public Flow<T> From<T>(ChannelReader<T> reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new Flow<T>(reader, this);
    }

    /// <summary>
    /// A flow fed by <paramref name="produce"/>, which writes into a bounded channel of <paramref name="capacity"/> and
    /// so waits whenever the graph below it is full. The flow completes when <paramref name="produce"/> returns.
    /// </summary>
    public Flow<T> Source<T>(Func<ChannelWriter<T>, CancellationToken, Task> produce, int capacity = StageChannel.DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(produce);
        var channel = StageChannel.CreateBounded<T>(capacity);
        Start(async cancellationToken =>
        {
            try
            {
                await produce(channel.Writer, cancellationToken);
                channel.Writer.TryComplete();
            }
            catch (Exception error)
            {
                channel.Writer.TryComplete(error);
                throw;
            }
        });
        return new Flow<T>(channel.Reader, this);
    }

    /// <summary>Completes when every stage has ended; throws the first stage's error, if any.</summary>
    public async Task Completion()
    {
        Task[] running;
        lock (_lock)
        {
            running = [.. _running];
        }
        try
        {
            await Task.WhenAll(running);
        }
        catch when (Volatile.Read(ref _firstFault) is { } first)
        {
            ExceptionDispatchInfo.Throw(first);
        }
    }

    internal void Start(Func<CancellationToken, Task> stage)
    {
        var token = _cancellation.Token;
        var task = Task.Run(async () =>
        {
            try
            {
                await stage(token);
            }
            catch (Exception error) when (error is not OperationCanceledException || !token.IsCancellationRequested)
            {
                Interlocked.CompareExchange(ref _firstFault, error, null);
                await _cancellation.CancelAsync();
                throw;
            }
        }, CancellationToken.None);
        lock (_lock)
        {
            _running.Add(task);
        }
    }

    /// <summary>Cancels whatever still runs and waits for it, so no stage outlives its graph.</summary>
    public async ValueTask DisposeAsync()
    {
        await _cancellation.CancelAsync();
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
            // The caller observed (or chose not to observe) the outcome through Completion; disposal only waits.
        }
        _cancellation.Dispose();
    }
}
