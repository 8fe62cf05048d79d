using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Pipeline.Actors.Journal;

namespace Pipeline.Actors.Runtime;

/// <summary>
/// One single-writer loop over the entities placed on it. Each turn takes every queued command (up to
/// <see cref="EntityRuntimeOptions.MaxBatchSize"/>), decides them in arrival order per entity, and writes all
/// resulting events of all its entities in one journal transaction (group commit). Replies go out only after
/// that transaction committed.
/// </summary>
internal sealed class EntityShard<TState, TCommand, TEvent, TReply>
{
    private readonly IEntityBehavior<TState, TCommand, TEvent, TReply> _behavior;
    private readonly IJournal _journal;
    private readonly EntityRuntimeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly EventCodec<TEvent> _codec;
    private readonly Channel<Envelope> _mailbox;
    private readonly EntityCache<Cell> _cache;
    private readonly Task _loop;

    private long _recoveries;
    private long _transactions;
    private long _committed;
    private long _conflicts;

    public EntityShard(
        IEntityBehavior<TState, TCommand, TEvent, TReply> behavior,
        IJournal journal,
        EntityRuntimeOptions options,
        EventCodec<TEvent> codec,
        TimeProvider time,
        ILogger logger)
    {
        _behavior = behavior;
        _journal = journal;
        _options = options;
        _codec = codec;
        _time = time;
        _logger = logger;
        _cache = new EntityCache<Cell>(options.MaxEntitiesPerShard, options.IdleTimeout);
        _mailbox = Channel.CreateBounded<Envelope>(new BoundedChannelOptions(options.MailboxCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(RunAsync);
    }

    public int LiveEntities => Volatile.Read(ref _liveEntities);

    private int _liveEntities;

    public EntityRuntimeStats Stats() => new(
        LiveEntities,
        Interlocked.Read(ref _recoveries),
        Volatile.Read(ref _passivations),
        Interlocked.Read(ref _transactions),
        Interlocked.Read(ref _committed),
        Interlocked.Read(ref _conflicts),
        _mailbox.Reader.Count);

    private long _passivations;

    public async Task<TReply> AskAsync(string key, TCommand command, CancellationToken cancellationToken)
    {
        var envelope = new Envelope(key, command, new TaskCompletionSource<TReply>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _mailbox.Writer.WriteAsync(envelope, cancellationToken).ConfigureAwait(false);
        // Once queued the command runs whatever the caller does; cancelling only stops the wait.
        return await envelope.Reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync()
    {
        _mailbox.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var batch = new List<Envelope>(_options.MaxBatchSize);
        while (await WaitForCommandsAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < _options.MaxBatchSize && _mailbox.Reader.TryRead(out var envelope))
            {
                batch.Add(envelope);
            }

            try
            {
                await ProcessAsync(batch).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The loop must outlive any failure: fail what is still waiting and forget what may be stale.
                _logger.LogError(ex, "Entity shard turn failed for {Count} commands", batch.Count);
                foreach (var envelope in batch)
                {
                    _cache.Remove(envelope.Key);
                    envelope.Reply.TrySetException(ex);
                }
            }

            _cache.Passivate(_time.GetTimestamp(), _time);
            Volatile.Write(ref _liveEntities, _cache.Count);
            Volatile.Write(ref _passivations, _cache.Passivations);
        }
    }

    /// <summary>
    /// Waits for the next command; a shard that stays quiet for an idle timeout passivates on its own, so idle
    /// entities leave memory even when no command comes to push them out.
    /// </summary>
    private async Task<bool> WaitForCommandsAsync()
    {
        while (true)
        {
            using var quiet = new CancellationTokenSource(_options.IdleTimeout, _time);
            try
            {
                return await _mailbox.Reader.WaitToReadAsync(quiet.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (quiet.IsCancellationRequested)
            {
                _cache.Passivate(_time.GetTimestamp(), _time);
                Volatile.Write(ref _liveEntities, _cache.Count);
                Volatile.Write(ref _passivations, _cache.Passivations);
            }
        }
    }

    private async Task ProcessAsync(List<Envelope> batch)
    {
        var pending = GroupByKey(batch);
        for (var attempt = 0; pending.Count > 0; attempt++)
        {
            if (attempt > 0)
            {
                await BackOffAsync(attempt).ConfigureAwait(false);
            }
            await RecoverMissingAsync(pending).ConfigureAwait(false);
            var turns = pending.Select(Decide).ToList();
            var conflicted = await CommitAsync(turns).ConfigureAwait(false);

            pending = [];
            foreach (var turn in turns)
            {
                if (conflicted.Contains(turn.Cell.EntityId))
                {
                    Interlocked.Increment(ref _conflicts);
                    RollBack(turn);
                    if (attempt < _options.MaxConflictRetries)
                    {
                        pending.Add((turn.Key, turn.Envelopes));
                        continue;
                    }
                    turn.Fail(new JournalConflictException(turn.Cell.EntityId));
                    continue;
                }
                turn.Complete();
            }
        }
    }

    /// <summary>
    /// Undoes a turn that lost an append race: back to the copy taken before it (then only the journal's tail is read),
    /// or, for an entity not known to be contended, a fresh cell that replays the journal once and is marked contended,
    /// so its next conflicts are cheap.
    /// </summary>
    private void RollBack(Turn turn)
    {
        var now = _time.GetTimestamp();
        var cell = turn.Cell;
        if (turn.Snapshot is { } snapshot)
        {
            cell.State = snapshot.State;
            cell.Seq = snapshot.Seq;
        }
        else
        {
            cell = new Cell(turn.Key, cell.EntityId, _behavior.Create(turn.Key), 0);
            _cache.Add(turn.Key, cell, now);
            Interlocked.Increment(ref _recoveries);
        }
        cell.Stale = true;
        cell.ContendedUntil = now + (long)(ContentionMemory.TotalSeconds * _time.TimestampFrequency);
    }

    /// <summary>
    /// Waits a random while, growing with the attempt, before deciding again after a lost race: nodes that retried in
    /// lockstep would collide again. Bounded by <see cref="MaxBackOff"/> so a shard's other entities wait little.
    /// </summary>
    private static Task BackOffAsync(int attempt)
    {
        var ceiling = Math.Min(MaxBackOff.TotalMilliseconds, Math.Pow(2, attempt - 1));
        return Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling));
    }

    /// <summary>How long an entity that lost an append race keeps a pre-turn copy (see <see cref="RollBack"/>).</summary>
    private static readonly TimeSpan ContentionMemory = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan MaxBackOff = TimeSpan.FromMilliseconds(50);

    private static List<(string Key, List<Envelope> Envelopes)> GroupByKey(List<Envelope> batch)
    {
        var byKey = new Dictionary<string, List<Envelope>>(StringComparer.Ordinal);
        var order = new List<(string, List<Envelope>)>();
        foreach (var envelope in batch)
        {
            if (!byKey.TryGetValue(envelope.Key, out var list))
            {
                byKey[envelope.Key] = list = [];
                order.Add((envelope.Key, list));
            }
            list.Add(envelope);
        }
        return order;
    }

    /// <summary>
    /// Loads every entity of the turn that is not in memory, and catches up those whose copy may be stale (see
    /// <see cref="EntityRuntimeOptions.VerifyAfter"/>), all with one journal read.
    /// </summary>
    private async Task RecoverMissingAsync(List<(string Key, List<Envelope> Envelopes)> pending)
    {
        var now = _time.GetTimestamp();
        var reads = new List<(string EntityId, long AfterSeq)>();
        foreach (var (key, _) in pending)
        {
            if (!_cache.TryGet(key, now, out var cached))
            {
                reads.Add((EntityIdOf(key), 0));
            }
            else if (cached.Stale ||
                     (_options.VerifyAfter is { } verifyAfter && _time.GetElapsedTime(cached.VerifiedAt, now) >= verifyAfter))
            {
                reads.Add((cached.EntityId, cached.Seq));
            }
        }
        if (reads.Count == 0)
        {
            return;
        }

        var events = await _journal.ReadAsync(reads).ConfigureAwait(false);
        var read = reads.Select(r => r.EntityId).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, _) in pending)
        {
            var entityId = EntityIdOf(key);
            if (!read.Contains(entityId))
            {
                continue;
            }
            if (!_cache.TryGet(key, now, out var cell))
            {
                cell = new Cell(key, entityId, _behavior.Create(key), 0);
                _cache.Add(key, cell, now);
                Interlocked.Increment(ref _recoveries);
            }
            if (events.TryGetValue(entityId, out var stored))
            {
                // Events another node appended since this copy was current: applied in order, as on recovery.
                foreach (var e in stored.Where(e => e.Seq > cell.Seq))
                {
                    cell.State = _behavior.Apply(cell.State, _codec.Decode(e));
                    cell.Seq = e.Seq;
                }
            }
            cell.VerifiedAt = now;
            cell.Stale = false;
        }
    }

    private Turn Decide((string Key, List<Envelope> Envelopes) work)
    {
        var now = _time.GetTimestamp();
        _cache.TryGet(work.Key, now, out var cell);
        var turn = new Turn(work.Key, cell, work.Envelopes);
        if (cell.ContendedUntil > now)
        {
            turn.Snapshot = (_behavior.Copy(cell.State), cell.Seq);
        }
        // Milliseconds: what the journal's JSON keeps, so a recovered state equals the one that replied.
        var clock = _time.GetUtcNow();
        var at = clock.AddTicks(-(clock.Ticks % TimeSpan.TicksPerMillisecond));
        var events = new List<JournalEvent>();
        var decoded = new List<TEvent>();
        var outbox = new List<OutboxMessage>();
        try
        {
            foreach (var envelope in work.Envelopes)
            {
                Decision<TEvent, TReply> decision;
                try
                {
                    decision = _behavior.Decide(cell.State, envelope.Command, at);
                }
                catch (Exception ex)
                {
                    turn.Outcomes.Add(Outcome.Failed(ex));
                    continue;
                }
                foreach (var e in decision.Events)
                {
                    cell.State = _behavior.Apply(cell.State, e);
                    events.Add(_codec.Encode(cell.Seq + events.Count + 1, e, at));
                    decoded.Add(e);
                }
                foreach (var n in decision.Notifications)
                {
                    outbox.Add(new OutboxMessage(OpaqueId.New("msg"), n.Type, cell.EntityId, _codec.EncodeData(n.Data), at));
                }
                turn.Outcomes.Add(Outcome.Replied(decision.Reply));
            }
        }
        catch (Exception ex)
        {
            // Apply threw: the state may be half-changed, so forget it and fail the whole turn of this entity.
            _cache.Remove(work.Key);
            turn.Outcomes.Clear();
            turn.Fatal = ex;
            return turn;
        }

        if (events.Count > 0)
        {
            turn.Append = new AppendRequest(cell.EntityId, cell.Seq, events, outbox, _behavior.Project(cell.State, decoded));
        }
        return turn;
    }

    /// <summary>Writes every turn's events in one transaction; returns the entities that lost an append race.</summary>
    private async Task<HashSet<string>> CommitAsync(List<Turn> turns)
    {
        var conflicted = new HashSet<string>(StringComparer.Ordinal);
        var appends = turns.Where(t => t.Append is not null && t.Fatal is null).Select(t => t.Append!).ToList();
        if (appends.Count == 0)
        {
            return conflicted;
        }

        try
        {
            await _journal.AppendAsync(appends).ConfigureAwait(false);
            Interlocked.Increment(ref _transactions);
        }
        catch (Exception refusal) when (refusal is JournalConflictException or JournalConstraintException && appends.Count > 1)
        {
            // A definite refusal (nothing was written) of a transaction that holds many entities: write each alone,
            // so only the entity at fault is refused. An ambiguous failure is never retried: it may have committed.
            foreach (var append in appends)
            {
                try
                {
                    await _journal.AppendAsync([append]).ConfigureAwait(false);
                    Interlocked.Increment(ref _transactions);
                }
                catch (JournalConflictException)
                {
                    conflicted.Add(append.EntityId);
                }
                catch (Exception ex)
                {
                    FailWrite(turns, append, ex);
                }
            }
        }
        catch (JournalConflictException ex)
        {
            conflicted.Add(ex.EntityId == "*" ? appends[0].EntityId : ex.EntityId);
        }
        catch (Exception ex)
        {
            // The outcome of the commit is unknown: forget these states so the next command reloads the truth.
            foreach (var append in appends)
            {
                FailWrite(turns, append, ex);
            }
        }

        foreach (var turn in turns.Where(t => t.Append is not null && t.Fatal is null && !conflicted.Contains(t.Cell.EntityId)))
        {
            turn.Cell.Seq = turn.Append!.NextSeq;
            turn.Cell.VerifiedAt = _time.GetTimestamp(); // the append at the expected seq proved the copy current
            Interlocked.Add(ref _committed, turn.Envelopes.Count);
        }
        return conflicted;
    }

    private void FailWrite(List<Turn> turns, AppendRequest append, Exception ex)
    {
        var turn = turns.First(t => ReferenceEquals(t.Append, append));
        _cache.Remove(turn.Key);
        turn.Fatal = ex;
    }

    private string EntityIdOf(string key) => _behavior.EntityType + "/" + key;

    private sealed record Envelope(string Key, TCommand Command, TaskCompletionSource<TReply> Reply);

    private sealed class Cell(string key, string entityId, TState state, long seq)
    {
        public string Key { get; } = key;
        public string EntityId { get; } = entityId;
        public TState State { get; set; } = state;
        public long Seq { get; set; } = seq;

        /// <summary>Timestamp at which <see cref="Seq"/> was last known to be the journal's latest.</summary>
        public long VerifiedAt { get; set; }

        /// <summary>Another node wrote after <see cref="Seq"/>: read the journal's tail before the next decision.</summary>
        public bool Stale { get; set; }

        /// <summary>Until this timestamp, turns keep a copy of the state to roll back to after a lost race.</summary>
        public long ContendedUntil { get; set; }
    }

    private readonly record struct Outcome(TReply? Reply, Exception? Error)
    {
        public static Outcome Replied(TReply reply) => new(reply, null);
        public static Outcome Failed(Exception error) => new(default, error);
    }

    /// <summary>One entity's share of a shard turn.</summary>
    private sealed class Turn(string key, Cell cell, List<Envelope> envelopes)
    {
        public string Key { get; } = key;
        public Cell Cell { get; } = cell;
        public List<Envelope> Envelopes { get; } = envelopes;
        public List<Outcome> Outcomes { get; } = new(envelopes.Count);
        public AppendRequest? Append { get; set; }
        public Exception? Fatal { get; set; }

        /// <summary>State and seq before this turn, for an entity that is contended across nodes.</summary>
        public (TState State, long Seq)? Snapshot { get; set; }

        public void Complete()
        {
            if (Fatal is not null)
            {
                Fail(Fatal);
                return;
            }
            for (var i = 0; i < Envelopes.Count; i++)
            {
                var outcome = Outcomes[i];
                if (outcome.Error is not null)
                {
                    Envelopes[i].Reply.TrySetException(outcome.Error);
                }
                else
                {
                    Envelopes[i].Reply.TrySetResult(outcome.Reply!);
                }
            }
        }

        public void Fail(Exception error)
        {
            foreach (var envelope in Envelopes)
            {
                envelope.Reply.TrySetException(error);
            }
        }
    }
}
