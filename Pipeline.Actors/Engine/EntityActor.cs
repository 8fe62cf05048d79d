using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Pipeline.Actors.Outbox;
using Pipeline.Actors.Runtime;

namespace Pipeline.Actors.Engine;

/// <summary>
/// One entity as a persistent actor: a thin shell around its behavior's pure functions. Commands are decided in
/// arrival order; the events (and outbox messages) they cause are journaled before any of them is answered.
/// </summary>
/// <remarks>
/// Group commit: while a write is in flight, arriving commands wait in <see cref="_queued"/>; when it completes they are
/// all decided (each against the state the previous one left) and persisted as the next write, so a hot entity does
/// not fall to one command per journal round trip. <c>PersistAllAsync</c> does not stash, which is what lets commands
/// queue here; the deferred handler after it runs once the whole write is stored. Events are applied at decision time
/// so later commands see them; if the write fails the actor stops (Akka's persist-failure rule) or restarts, and the
/// state is recovered from the journal, never kept.
/// </remarks>
public sealed class EntityActor<TState, TCommand, TEvent, TReply> : UntypedPersistentActor
    where TEvent : class
{
    private readonly IEntityBehavior<TState, TCommand, TEvent, TReply> _behavior;
    private readonly ISnapshotBehavior<TState>? _snapshots;
    private readonly EntitySettings _settings;
    private readonly TimeProvider _time;
    private readonly string _key;
    private readonly List<(IActorRef Sender, EntityCommand<TCommand> Command)> _queued = [];
    private TState _state;
    private bool _writing;
    private bool _stopping;
    private long _lastSnapshotAt;
    private long _startedAt;
    private long _writeStartedAt;

    private readonly EntityCounters _counters;
    private readonly LiveEntities? _liveEntities;
    private LiveEntity? _live;

    /// <param name="live">The bound on live entities of this type on this node; none when null (tests of the actor alone).</param>
    public EntityActor(
        IEntityBehavior<TState, TCommand, TEvent, TReply> behavior, string key, EntitySettings settings, EntityCounters counters, TimeProvider time,
        LiveEntities? live = null)
    {
        _counters = counters;
        _liveEntities = live;
        _behavior = behavior;
        _snapshots = behavior as ISnapshotBehavior<TState>;
        _settings = settings;
        _time = time;
        _key = key;
        _state = behavior.Create(key);
        PersistenceId = PersistenceIdOf(behavior.EntityType, key);
    }

    public override string PersistenceId { get; }

    /// <summary>
    /// Types that never snapshot recover from their events alone: criteria None lets the snapshot store answer at once
    /// instead of querying for a snapshot that cannot exist (one round trip less per recovery).
    /// </summary>
    public override Recovery Recovery => _snapshots is null ? NoSnapshots : base.Recovery;

    private static readonly Recovery NoSnapshots = new(SnapshotSelectionCriteria.None);

    /// <summary>The journal id of an entity: its type and key, as the old journal named entities.</summary>
    public static string PersistenceIdOf(string entityType, string key) => entityType + "/" + key;

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer offer when _snapshots is not null:
                _state = _snapshots.FromSnapshot(_key, offer.Snapshot);
                _lastSnapshotAt = offer.Metadata.SequenceNr;
                break;
            case TEvent @event:
                _state = _behavior.Apply(_state, @event);
                break;
            case EventWithMessages { Event: TEvent carried }:
                _state = _behavior.Apply(_state, carried);
                break;
            case RecoveryCompleted:
                _counters.Recovered(System.Diagnostics.Stopwatch.GetElapsedTime(_startedAt));
                break;
        }
    }

    protected override void PreStart()
    {
        _counters.Started();
        _live = _liveEntities?.Started(Self);
        _startedAt = System.Diagnostics.Stopwatch.GetTimestamp(); // recovery starts with base.PreStart
        base.PreStart();
    }

    protected override void PostStop()
    {
        _counters.Stopped();
        _live?.Stopped();
        _counters.Queued(-_queued.Count);
        base.PostStop();
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case EntityCommand<TCommand> command:
                _live?.Used();
                _queued.Add((Sender, command));
                _counters.Queued(1);
                if (!_writing)
                {
                    DecideQueued();
                }
                break;
            case PassivateLeastUsed:
                if (!_stopping)
                {
                    // As sharding's idle passivation does: the shard buffers this entity's next commands and sends EntityStop.
                    Context.Parent.Tell(new Passivate(EntityStop.Instance));
                }
                break;
            case EntityStop:
                _counters.Passivated();
                _stopping = true;
                StopWhenIdle();
                break;
            case SaveSnapshotSuccess saved:
                // Older snapshots are never read again; events stay (they are the audit trail and the outbox's source).
                DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
                break;
            case SaveSnapshotFailure failed:
                Log.Warning(failed.Cause, "Snapshot of {0} failed; recovery reads more events until the next one", PersistenceId);
                break;
            case DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void DecideQueued()
    {
        var now = _time.GetUtcNow();
        var take = Math.Min(_queued.Count, _settings.MaxCommandsPerWrite);
        var toPersist = new List<object>();
        var replies = new List<(IActorRef Sender, object Reply)>(take);
        for (var i = 0; i < take; i++)
        {
            var (sender, envelope) = _queued[i];
            if (envelope.Deadline < now)
            {
                replies.Add((sender, new CommandExpired(envelope.EntityKey)));
                continue;
            }
            var decision = _behavior.Decide(_state, envelope.Command, now);
            foreach (var @event in decision.Events)
            {
                _state = _behavior.Apply(_state, @event);
                toPersist.Add(@event!);
            }
            if (decision.Notifications.Count > 0)
            {
                var messages = decision.Notifications.Select(n => new OutboxMessageRecorded(OpaqueId.New("msg"), n.Type,
                    JsonSerializer.Serialize(n.Data, n.Data.GetType(), EventCodec<TEvent>.DefaultOptions), now)).ToList();
                // The messages ride in the command's last event's row (one journal row less a message); a decision with
                // messages and no event journals them as records of their own.
                if (decision.Events.Count > 0)
                {
                    toPersist[^1] = new EventWithMessages(toPersist[^1], messages);
                }
                else
                {
                    toPersist.AddRange(messages);
                }
            }
            replies.Add((sender, decision.Reply!));
        }
        _queued.RemoveRange(0, take);
        _counters.Queued(-take);

        if (toPersist.Count == 0)
        {
            Answer(replies);
            AfterWrite();
            return;
        }

        _writing = true;
        _writeStartedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        PersistAllAsync(toPersist, _ => { });
        DeferAsync(replies, written =>
        {
            _counters.Written(written.Count, System.Diagnostics.Stopwatch.GetElapsedTime(_writeStartedAt));
            Answer(written);
            _writing = false;
            SnapshotIfDue();
            AfterWrite();
        });
    }

    private static void Answer(List<(IActorRef Sender, object Reply)> replies)
    {
        foreach (var (sender, reply) in replies)
        {
            sender.Tell(reply);
        }
    }

    private void AfterWrite()
    {
        if (_queued.Count > 0)
        {
            DecideQueued();
        }
        else
        {
            StopWhenIdle();
        }
    }

    private void StopWhenIdle()
    {
        if (_stopping && !_writing && _queued.Count == 0)
        {
            Context.Stop(Self);
        }
    }

    private void SnapshotIfDue()
    {
        if (_snapshots is null || _settings.SnapshotEvery <= 0 || LastSequenceNr - _lastSnapshotAt < _settings.SnapshotEvery)
        {
            return;
        }
        _lastSnapshotAt = LastSequenceNr;
        SaveSnapshot(_snapshots.ToSnapshot(_state));
    }

    /// <summary>
    /// A rejected write (the journal refused the events, e.g. they did not serialize) leaves the actor running with
    /// state that was never stored: restart, so it recovers from the journal, and answer nothing of that write.
    /// </summary>
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistRejected(cause, @event, sequenceNr);
        throw new InvalidOperationException($"Journal write of {PersistenceId} was rejected; recovering from the journal.", cause);
    }
}
