using System.Threading.Channels;
using System.Threading.RateLimiting;
using Pipeline.Streams.Graph;

namespace Pipeline.Streams.Stages.Throttle;

/// <summary>
/// Why: the services at the end of a pipeline (WhatsApp, payment gateways, webhooks) allow so many calls a second.
/// The throttle lets items pass at <see cref="RatePerSecond"/> with a <see cref="TokenBucketRateLimiter"/>; while it
/// waits for a token it pulls nothing, so upstream backs up into the buffer.
/// </summary>
/// <remarks>
/// <para>The limiter runs with manual replenishment, topped up by our own timer: in that mode each top-up adds the
/// tokens the elapsed time earned (the automatic mode adds a fixed amount per timer tick, so every late tick on a busy
/// machine is lost rate). The bucket holds <see cref="ThrottleStageOptions.BurstWindow"/>'s worth, so a stall shorter
/// than that loses nothing either.</para>
/// <para>A rate change builds a new bucket and swaps it in atomically; an acquire waiting on the old one gets a
/// failed lease when the old one is disposed and asks the new one. Every bucket starts empty, so neither the start
/// nor a rate change lets a burst through.</para>
/// <para>Time: <see cref="TokenBucketRateLimiter"/> reads the stopwatch and has no <see cref="TimeProvider"/> seam, so
/// this stage runs on real time and its tests measure a rate over seconds.</para>
/// </remarks>
public sealed class ThrottleStage<T> : IStage<T, T>, IDisposable
{
    private static readonly TimeSpan MaxReplenishmentPeriod = TimeSpan.FromMinutes(1);

    /// <summary>Keeps the limiter's period inside TimeSpan for absurdly low rates: below one item a day runs at one a day.</summary>
    private const double MaxLimiterPeriodSeconds = 24 * 60 * 60;

    /// <summary>Serializes rate changes and disposal, so two concurrent swaps cannot leak a bucket.</summary>
    private readonly Lock _lock = new();

    private readonly TimeSpan _replenishmentPeriod;
    private readonly TimeSpan _burstWindow;

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
        _replenishmentPeriod = options.ReplenishmentPeriod;
        _burstWindow = options.BurstWindow;
        _ratePerSecond = options.RatePerSecond;
        _bucket = new Bucket(_ratePerSecond, _replenishmentPeriod, _burstWindow);
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
                old = Interlocked.Exchange(ref _bucket, new Bucket(value, _replenishmentPeriod, _burstWindow));
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
            RateLimitLease lease;
            try
            {
                lease = await bucket.Limiter.AcquireAsync(1, cancellationToken);
            }
            catch (ObjectDisposedException) when (!ReferenceEquals(bucket, Volatile.Read(ref _bucket)))
            {
                continue; // swapped between the read and the acquire
            }
            using (lease)
            {
                if (lease.IsAcquired)
                {
                    return;
                }
            }
            if (ReferenceEquals(bucket, Volatile.Read(ref _bucket)))
            {
                // Not a swap: the limiter's queue was full, which one reader per run never causes. Wait a period.
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
                await Task.Delay(_replenishmentPeriod, cancellationToken);
            }
        }
    }

    /// <summary>One token bucket for one rate, and the timer that tops it up.</summary>
    private sealed class Bucket : IDisposable
    {
        private readonly ITimer _timer;

        public Bucket(double ratePerSecond, TimeSpan replenishmentPeriod, TimeSpan burstWindow)
        {
            // The limiter's fill rate is TokensPerPeriod / ReplenishmentPeriod; any whole number of tokens over the
            // matching period expresses the rate exactly, so take enough tokens that rounding does not matter.
            var tokensPerPeriod = (int)Math.Max(1, Math.Round(ratePerSecond * replenishmentPeriod.TotalSeconds));
            var limiterPeriod = TimeSpan.FromSeconds(Math.Min(tokensPerPeriod / ratePerSecond, MaxLimiterPeriodSeconds));
            var tokenLimit = (int)Math.Max(tokensPerPeriod, Math.Round(ratePerSecond * burstWindow.TotalSeconds));
            Limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = tokenLimit,
                TokensPerPeriod = tokensPerPeriod,
                ReplenishmentPeriod = limiterPeriod,
                AutoReplenishment = false,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                // One reader per run waits for one token at a time; the slack covers a stage shared by mistake.
                QueueLimit = 64,
            });
            // A new limiter starts full; empty it so a start or a rate change is not a burst.
            using (Limiter.AttemptAcquire(tokenLimit))
            {
            }
            _timer = TimeProvider.System.CreateTimer(
                static state => ((TokenBucketRateLimiter)state!).TryReplenish(), Limiter, replenishmentPeriod, replenishmentPeriod);
        }

        public TokenBucketRateLimiter Limiter { get; }

        public void Dispose()
        {
            _timer.Dispose();
            Limiter.Dispose();
        }
    }
}
