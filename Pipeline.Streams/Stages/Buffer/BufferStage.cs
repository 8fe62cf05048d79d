using System.Threading.Channels;
using Pipeline.Streams.Graph;

namespace Pipeline.Streams.Stages.Buffer;

/// <summary>
/// Why: a source (a queue poll, a webhook burst) is bursty while the stages below it run at a steady rate; the
/// buffer absorbs the burst up to <see cref="Capacity"/> items and then stops pulling, so upstream waits and memory
/// never grows past the capacity. Unlike a plain bounded channel, its capacity can change while it runs.
/// </summary>
/// <remarks>
/// Two loops: intake takes a permit from a <see cref="ResizableLimit"/> before it pulls an item; drain returns
/// the permit only after the item was handed downstream, so the item in drain's hand counts toward the capacity
/// (and toward <see cref="StageCounters.QueueDepth"/>). Items keep their order. On its own the stage passes an
/// upstream error on after the items buffered before it; inside a <see cref="StageContext"/> the first error
/// cancels the whole graph at once (fail-fast, as in Akka), so buffered items are dropped.
/// </remarks>
public sealed class BufferStage<T> : IStage<T, T>
{
    /// <summary>Guards <see cref="_capacity"/> and <see cref="_active"/> together, so a resize never misses a run that is starting.</summary>
    private readonly Lock _lock = new();

    private readonly StageCounters? _counters;
    private int _capacity;

    /// <summary>The permits of the current run; each run gets fresh ones so items lost to a canceled run leak none.</summary>
    private ResizableLimit? _active;

    public BufferStage(BufferStageOptions? options = null)
    {
        options ??= new BufferStageOptions();
        BufferDefaults.ValidateCapacity(options.Capacity, nameof(options.Capacity));
        _capacity = options.Capacity;
        _counters = options.Counters;
    }

    public BufferStage(int capacity) : this(new BufferStageOptions { Capacity = capacity })
    {
    }

    /// <summary>Items held at most. Raising it lets intake pull at once; lowering it pulls nothing until the buffer drained below it.</summary>
    public int Capacity
    {
        get
        {
            lock (_lock) return _capacity;
        }
        set
        {
            BufferDefaults.ValidateCapacity(value, nameof(Capacity));
            lock (_lock)
            {
                _capacity = value;
                _active?.SetLimit(value);
            }
        }
    }

    public async Task RunAsync(ChannelReader<T> input, ChannelWriter<T> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ResizableLimit space;
        lock (_lock)
        {
            space = _active = new ResizableLimit(_capacity);
        }
        // Not SingleReader: that variant cannot Count, and the count settles the depth counter when a run ends.
        var held = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var intake = IntakeAsync(input, held.Writer, space, stop.Token);
        try
        {
            await DrainAsync(held.Reader, output, space, stop.Token);
        }
        finally
        {
            // When drain fails, intake may be waiting for space that will never come back.
            await stop.CancelAsync();
            await intake;
            lock (_lock)
            {
                if (ReferenceEquals(_active, space))
                {
                    _active = null;
                }
            }
            _counters?.AddQueueDepth(-held.Reader.Count);
        }
    }

    private async Task IntakeAsync(ChannelReader<T> input, ChannelWriter<T> held, ResizableLimit space, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await space.WaitAsync(cancellationToken);
                if (!await input.WaitToReadAsync(cancellationToken))
                {
                    break;
                }
                if (input.TryRead(out var item))
                {
                    _counters?.AddQueueDepth(1);
                    held.TryWrite(item);
                }
                else
                {
                    space.Release();
                }
            }
            held.TryComplete();
        }
        catch (Exception error)
        {
            // Drain delivers what was buffered before the error, then rethrows it downstream; intake never throws.
            held.TryComplete(error);
        }
    }

    private async Task DrainAsync(ChannelReader<T> held, ChannelWriter<T> output, ResizableLimit space, CancellationToken cancellationToken)
    {
        while (await held.WaitToReadAsync(cancellationToken))
        {
            while (held.TryRead(out var item))
            {
                try
                {
                    await output.WriteAsync(item, cancellationToken);
                }
                finally
                {
                    _counters?.AddQueueDepth(-1);
                    space.Release();
                }
            }
        }
    }
}
