using Akka.Actor;
using Akka.Event;

namespace Pipeline.Actors.Projections;

/// <summary>
/// Runs the journal projection where the cluster placed it (one per cluster: a cluster singleton): reads the journal
/// every poll interval, and answers <see cref="CatchUp"/> with <see cref="CaughtUp"/> once a poll that began after the
/// request has applied everything committed so far, which is how a node's read shows the writes it just took.
/// </summary>
/// <remarks>
/// Requests are coalesced: all that arrive during a poll are answered by the next one, so a burst of reads after
/// writes costs one journal read, not one each.
/// </remarks>
public sealed class ProjectionActor : ReceiveActor, IWithTimers
{
    private readonly JournalProjection _projection;
    private readonly TimeSpan _pollInterval;
    private readonly Func<Task> _journalReady;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private List<IActorRef> _waitingForNextPoll = [];
    private List<IActorRef> _answeredByThisPoll = [];
    private bool _ready;
    private bool _polling;
    private bool _failing;

    /// <param name="journalReady">Completes once the journal has created its tables (polling before would only fail).</param>
    public ProjectionActor(JournalProjection projection, TimeSpan pollInterval, Func<Task> journalReady)
    {
        _projection = projection;
        _pollInterval = pollInterval;
        _journalReady = journalReady;
        Receive<JournalReady>(_ =>
        {
            _ready = true;
            Timers.StartPeriodicTimer("poll", Tick.Instance, _pollInterval);
            StartPoll();
        });
        Receive<Tick>(_ => StartPoll());
        Receive<CatchUp>(_ =>
        {
            _waitingForNextPoll.Add(Sender);
            StartPoll();
        });
        Receive<Polled>(Finished);
    }

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

    private void StartPoll()
    {
        if (_polling || !_ready)
        {
            return;
        }
        _polling = true;
        (_answeredByThisPoll, _waitingForNextPoll) = (_waitingForNextPoll, _answeredByThisPoll);
        _projection.CatchUpAsync(_stopping.Token).PipeTo(Self, success: () => Polled.Ok, failure: error => new Polled(error));
    }

    private void Finished(Polled polled)
    {
        _polling = false;
        object answer = polled.Error is null ? CaughtUp.Instance : new Status.Failure(polled.Error);
        foreach (var waiter in _answeredByThisPoll)
        {
            waiter.Tell(answer);
        }
        _answeredByThisPoll.Clear();
        if (polled.Error is not null && !_stopping.IsCancellationRequested)
        {
            if (!_failing) _log.Error(polled.Error, "Projection {0} failed; retrying every poll", _projection.Name);
            _failing = true;
        }
        else if (_failing && polled.Error is null)
        {
            _log.Info("Projection {0} recovered", _projection.Name);
            _failing = false;
        }
        if (_waitingForNextPoll.Count > 0)
        {
            StartPoll();
        }
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
