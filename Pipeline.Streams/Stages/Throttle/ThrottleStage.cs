using System.Threading.Channels;
using Pipeline.Streams.Graph;

namespace Pipeline.Streams.Stages.Throttle;

/// <summary>
/// Why: the services at the end of a pipeline (WhatsApp, payment gateways, webhooks) allow so many calls a second.
/// The throttle lets items pass at <see cref="RatePerSecond"/> from a token bucket; while it waits for a token it
/// pulls nothing, so upstream backs up into the buffer.
/// </summary>
/// <remarks>
/// <para>A timer tops the bucket up every <see cref="ThrottleStageOptions.ReplenishmentPeriod"/> with the tokens the
/// elapsed time earned (a fixed amount per tick would lose rate on every late tick of a busy machine). The bucket holds
/// <see cref="ThrottleStageOptions.BurstWindow"/>'s worth, so a stall shorter than that loses nothing either.</para>
/// <para>A rate change builds a new bucket and swaps it in atomically; an acquire waiting on the old one is released
/// when the old one is disposed and asks the new one. Every bucket starts empty, so neither the start nor a rate
/// change lets a burst through.</para>
/// <para>Time: the bucket's clock and timer are <see cref="ThrottleStageOptions.TimeProvider"/>'s, so tests move a
/// manual clock and count exactly what passes (the BCL's TokenBucketRateLimiter, used before, reads the stopwatch).</para>
/// </remarks>
public sealed class ThrottleStage<T> : IStage<T, T>, IDisposable
{
    private static readonly TimeSpan MaxReplenishmentPeriod = TimeSpan.FromMinutes(1);

    /// <summary>Serializes rate changes and disposal, so two concurrent swaps cannot leak a bucket.</summary>
    private readonly Lock _lock = new();

    private readonly TimeSpan _replenishmentPeriod;
    private readonly TimeSpan _burstWindow;
    private readonly TimeProvider _time;

    /// <summary>The bucket items take tokens from; replaced whole on a rate change, read without the lock.</summary>
    private Bucket _bucket;

    private double _ratePerSecond;
    private bool _disposed;

    public ThrottleStage(ThrottleStageOptions? options = null)
    {
        options ??= new ThrottleStageOptions();
        ThrottleDefaults.ValidateRate(options.RatePerSecond, nameof(options.RatePerSecond));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ReplenishmentPeriod, TimeSpan.FromMilliseconds(1), nameof(options.ReplenishmentPeriod));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.ReplenishmentPeriod, MaxReplenishmentPeriod, nameof(options.ReplenishmentPeriod));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BurstWindow, options.ReplenishmentPeriod, nameof(options.BurstWindow));
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options.TimeProvider));
        _replenishmentPeriod = options.ReplenishmentPeriod;
        _burstWindow = options.BurstWindow;
        _time = options.TimeProvider;
        _ratePerSecond = options.RatePerSecond;
        _bucket = new Bucket(_ratePerSecond, _replenishmentPeriod, _burstWindow, _time);
    }

    public ThrottleStage(double ratePerSecond) : this(new ThrottleStageOptions { RatePerSecond = ratePerSecond })
    {
    }

    /// <summary>Items per second. Setting it takes effect on the next token: the new bucket starts empty and fills at the new rate.</summary>
    public double RatePerSecond
    {
        get => Volatile.Read(ref _ratePerSecond);
        set
        {
            ThrottleDefaults.ValidateRate(value, nameof(RatePerSecond));
            Bucket old;
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                Volatile.Write(ref _ratePerSecond, value);
                old = Interlocked.Exchange(ref _bucket, new Bucket(value, _replenishmentPeriod, _burstWindow, _time));
            }
            old.Dispose();
        }
    }

    public async Task RunAsync(ChannelReader<T> input, ChannelWriter<T> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        await foreach (var item in input.ReadAllAsync(cancellationToken))
        {
            await AcquireTokenAsync(cancellationToken);
            await output.WriteAsync(item, cancellationToken);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        Volatile.Read(ref _bucket).Dispose();
    }

    private async ValueTask AcquireTokenAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var bucket = Volatile.Read(ref _bucket);
            if (await bucket.TakeAsync(cancellationToken))
            {
                return;
            }
            // That bucket is disposed: swapped out by a rate change (ask the new one), or the stage itself is.
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) && ReferenceEquals(bucket, Volatile.Read(ref _bucket)), this);
        }
    }

    /// <summary>One token bucket for one rate, and the timer that tops it up.</summary>
    private sealed class Bucket : IDisposable
    {
        /// <summary>Guards every field below the readonly ones.</summary>
        private readonly Lock _lock = new();

        private readonly double _ratePerSecond;
        private readonly double _limit;
        private readonly TimeProvider _time;
        private readonly ITimer _timer;

        /// <summary>Starts empty, so a start or a rate change is not a burst.</summary>
        private double _tokens;

        private long _toppedUpAt;

        /// <summary>What waiting takers await: completed by the next top-up that leaves a whole token, or by disposal.</summary>
        private TaskCompletionSource? _topUp;

        private bool _disposed;

        public Bucket(double ratePerSecond, TimeSpan replenishmentPeriod, TimeSpan burstWindow, TimeProvider time)
        {
            _ratePerSecond = ratePerSecond;
            // At least one token, or a rate below one per burst window would never let anything through.
            _limit = Math.Max(1, Math.Round(ratePerSecond * burstWindow.TotalSeconds));
            _time = time;
            _toppedUpAt = time.GetTimestamp();
            _timer = time.CreateTimer(static state => ((Bucket)state!).TopUp(), this, replenishmentPeriod, replenishmentPeriod);
        }

        /// <summary>Takes a token, waiting for top-ups as long as it takes; false once the bucket is disposed.</summary>
        public async ValueTask<bool> TakeAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                Task topUp;
                lock (_lock)
                {
                    if (_disposed)
                    {
                        return false;
                    }
                    if (_tokens >= 1)
                    {
                        _tokens -= 1;
                        return true;
                    }
                    // Completed by TopUp or Dispose, which may run on a timer thread: continuations must not run there.
                    topUp = (_topUp ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                }
                await topUp.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        private void TopUp()
        {
            TaskCompletionSource? waiting;
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }
                var now = _time.GetTimestamp();
                _tokens = Math.Min(_limit, _tokens + _ratePerSecond * _time.GetElapsedTime(_toppedUpAt, now).TotalSeconds);
                _toppedUpAt = now;
                if (_tokens < 1)
                {
                    return;
                }
                waiting = _topUp;
                _topUp = null;
            }
            waiting?.TrySetResult();
        }

        public void Dispose()
        {
            TaskCompletionSource? waiting;
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }
                _disposed = true;
                waiting = _topUp;
                _topUp = null;
            }
            _timer.Dispose();
            waiting?.TrySetResult();
        }
    }
}
