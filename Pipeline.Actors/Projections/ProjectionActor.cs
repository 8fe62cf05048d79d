using Akka.Actor;
using Akka.Event;

namespace Pipeline.Actors.Projections;

/// <summary>
/// Runs the journal projection where the cluster placed it (one per cluster: a cluster singleton): reads the journal
/// every poll interval, and on <see cref="CatchUp"/> applies everything committed so far before answering
/// <see cref="CaughtUp"/>, which is how a node's read shows the writes it just took.
/// </summary>
public sealed class ProjectionActor : ReceiveActor, IWithTimers
{
    private readonly JournalProjection _projection;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _polling;
    private bool _failing;

    private readonly Func<Task> _journalReady;

    /// <param name="journalReady">Completes once the journal has created its tables (polling before would only fail).</param>
    public ProjectionActor(JournalProjection projection, TimeSpan pollInterval, Func<Task> journalReady)
    {
        _projection = projection;
        _journalReady = journalReady;
        Receive<Tick>(_ =>
        {
            if (_polling) return;
            _polling = true;
            _projection.CatchUpAsync(_stopping.Token).PipeTo(Self, success: () => Polled.Ok, failure: error => new Polled(error));
        });
        Receive<Polled>(polled =>
        {
            _polling = false;
            if (polled.Error is not null && !_stopping.IsCancellationRequested)
            {
                if (!_failing) _log.Error(polled.Error, "Projection {0} failed; retrying every poll", _projection.Name);
                _failing = true;
            }
            else if (_failing)
            {
                _log.Info("Projection {0} recovered", _projection.Name);
                _failing = false;
            }
        });
        Receive<JournalReady>(_ => Timers.StartPeriodicTimer("poll", Tick.Instance, _pollInterval));
        Receive<CatchUp>(_ => _projection.CatchUpAsync(_stopping.Token)
            .PipeTo(Sender, success: () => CaughtUp.Instance, failure: error => new Status.Failure(error)));
        _pollInterval = pollInterval;
    }

    private readonly TimeSpan _pollInterval;

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        base.PreStart();
        _journalReady().PipeTo(Self, success: () => JournalReady.Instance, failure: error => new Polled(error));
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        base.PostStop();
    }

    public sealed record CatchUp
    {
        public static readonly CatchUp Instance = new();
    }

    public sealed record CaughtUp
    {
        public static readonly CaughtUp Instance = new();
    }

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record JournalReady
    {
        public static readonly JournalReady Instance = new();
    }

    private sealed record Polled(Exception? Error)
    {
        public static readonly Polled Ok = new((Exception?)null);
    }
}
