using Akka.Streams;
using Akka.Streams.Stage;
using Pipeline.Streams.Graph;

namespace Pipeline.Streams.Stages.Throttle;

/// <summary>
/// Why: the services at the end of a pipeline (WhatsApp, webhook endpoints) allow so many calls a second, and an
/// operator turns that rate on a running pipeline. Akka.Streams' <c>Throttle</c> fixes its rate when the graph is
/// materialized (Akka.NET 1.5 has no throttle control), so this stage is a token bucket whose rate is read live from
/// <see cref="PipelineSettings.RatePerSecond"/>. While it waits for a token it pulls nothing, so upstream backs up
/// into the buffer (shaping, never dropping).
/// </summary>
/// <remarks>
/// <para>A timer (<see cref="TimerGraphStageLogic"/>) tops the bucket up every <see cref="ThrottleDefaults.ReplenishmentPeriod"/>
/// with the tokens the elapsed time earned on <see cref="TimeProvider"/>'s clock (a fixed amount per tick would lose
/// rate on every late tick of a busy machine; tests move a manual clock and count exactly). The bucket holds
/// <see cref="ThrottleDefaults.BurstWindow"/>'s worth, at least one token.</para>
/// <para>The bucket starts empty, and a rate change empties it and applies at once: neither a start nor a change lets
/// a burst through, and an item waiting for a token under a very low rate passes on the next tick after a raise.</para>
/// </remarks>
public sealed class LiveThrottle<T> : GraphStage<FlowShape<T, T>>
{
    private readonly LiveSettings<PipelineSettings> _settings;
    private readonly TimeProvider _time;

    public LiveThrottle(LiveSettings<PipelineSettings> settings, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _time = time ?? TimeProvider.System;
        Shape = new FlowShape<T, T>(In, Out);
    }

    public Inlet<T> In { get; } = new("LiveThrottle.in");

    public Outlet<T> Out { get; } = new("LiveThrottle.out");

    public override FlowShape<T, T> Shape { get; }

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : TimerGraphStageLogic
    {
        private const string TopUpTimer = "top-up";

        private readonly LiveThrottle<T> _stage;
        private IDisposable? _subscription;
        private double _rate;
        private double _limit;
        private double _tokens;
        private long _toppedUpAt;
        private T? _pending;
        private bool _hasPending;

        public Logic(LiveThrottle<T> stage) : base(stage.Shape)
        {
            _stage = stage;
            SetHandler(stage.In, onPush: () =>
            {
                _pending = Grab(stage.In);
                _hasPending = true;
                TryEmit();
            }, onUpstreamFinish: () =>
            {
                if (!_hasPending)
                {
                    CompleteStage();
                }
            });
            SetHandler(stage.Out, onPull: () =>
            {
                if (!_hasPending && !HasBeenPulled(stage.In) && !IsClosed(stage.In))
                {
                    Pull(stage.In);
                }
                TryEmit();
            });
        }

        public override void PreStart()
        {
            SetRate(_stage._settings.Current.RatePerSecond, _stage._time.GetTimestamp());
            // A change arrives on the caller's thread and reaches the stage through an async callback, a moment later;
            // the new rate counts from the instant it was set.
            var changed = GetAsyncCallback<(double Rate, long At)>(change =>
            {
                if (change.Rate != _rate)
                {
                    SetRate(change.Rate, change.At);
                }
            });
            _subscription = _stage._settings.OnChange(s => changed((s.RatePerSecond, _stage._time.GetTimestamp())));
            ScheduleRepeatedly(TopUpTimer, ThrottleDefaults.ReplenishmentPeriod);
        }

        public override void PostStop() => _subscription?.Dispose();

        protected override void OnTimer(object timerKey)
        {
            var now = _stage._time.GetTimestamp();
            _tokens = Math.Min(_limit, _tokens + _rate * _stage._time.GetElapsedTime(_toppedUpAt, now).TotalSeconds);
            _toppedUpAt = now;
            TryEmit();
        }

        /// <summary>A new, empty bucket for the new rate, filling from <paramref name="since"/>.</summary>
        private void SetRate(double rate, long since)
        {
            _rate = rate;
            // At least one token, or a rate below one per burst window would never let anything through.
            _limit = Math.Max(1, Math.Round(rate * ThrottleDefaults.BurstWindow.TotalSeconds));
            _tokens = 0;
            _toppedUpAt = since;
        }

        private void TryEmit()
        {
            if (!_hasPending || _tokens < 1 || !IsAvailable(_stage.Out))
            {
                return;
            }
            _tokens -= 1;
            var item = _pending!;
            _pending = default;
            _hasPending = false;
            Push(_stage.Out, item);
            if (IsClosed(_stage.In))
            {
                CompleteStage();
            }
        }
    }
}
