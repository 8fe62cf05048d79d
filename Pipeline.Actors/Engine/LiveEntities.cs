using Akka.Actor;

namespace Pipeline.Actors.Engine;

/// <summary>
/// The live entities of one type on this node, bounded: once more than the limit are live, the least recently used
/// are asked to passivate (<see cref="PassivateLeastUsed"/>), as idle ones are. Idle passivation alone kept every
/// entity of a burst in memory for the whole idle timeout (43,000 registrations after a burst of orders, 5-6 KB of
/// heap each); Akka.NET 1.5's sharding passivates by idle time only.
/// </summary>
/// <remarks>
/// A use is one atomic increment; starts and stops take a lock. The sort happens only when the live entities not
/// already leaving exceed the limit by a tenth, so it is paid once per tenth of the limit in new entities.
/// </remarks>
public sealed class LiveEntities
{
    private readonly int _limit;
    private readonly int _sortAbove;
    private readonly HashSet<LiveEntity> _live = [];
    private readonly Lock _lock = new();
    private int _leaving;
    private long _clock;

    /// <param name="limit">Live entities of this type kept on this node; at least 1.</param>
    public LiveEntities(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        _limit = limit;
        _sortAbove = limit + Math.Max(1, limit / 10);
    }

    /// <summary>Entities started and not yet stopped, those asked to leave included.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _live.Count;
            }
        }
    }

    /// <summary>An entity has started: it is the most recently used; asks the least recently used to leave when over the bound.</summary>
    public LiveEntity Started(IActorRef entity)
    {
        var started = new LiveEntity(this, entity);
        started.Used();
        List<LiveEntity>? leaving = null;
        lock (_lock)
        {
            _live.Add(started);
            if (_live.Count - _leaving > _sortAbove)
            {
                leaving = LeastUsed();
            }
        }
        foreach (var entry in leaving ?? [])
        {
            entry.Entity.Tell(PassivateLeastUsed.Instance);
        }
        return started;
    }

    internal void Stopped(LiveEntity entry)
    {
        lock (_lock)
        {
            if (_live.Remove(entry) && entry.Leaving)
            {
                _leaving--;
            }
        }
    }

    internal long Tick() => Interlocked.Increment(ref _clock);

    /// <summary>Marks the least recently used entities beyond the limit as leaving. Under the lock.</summary>
    private List<LiveEntity> LeastUsed()
    {
        // Sorted by a copy of each last use: entities keep marking uses while this runs, and a sort whose keys change
        // under it may fail.
        var staying = new List<(long LastUsed, LiveEntity Entry)>(_live.Count - _leaving);
        foreach (var entry in _live)
        {
            if (!entry.Leaving)
            {
                staying.Add((entry.LastUsed, entry));
            }
        }
        staying.Sort(static (a, b) => a.LastUsed.CompareTo(b.LastUsed));
        var leaving = new List<LiveEntity>(staying.Count - _limit);
        for (var i = 0; i < staying.Count - _limit; i++)
        {
            staying[i].Entry.Leaving = true;
            leaving.Add(staying[i].Entry);
        }
        _leaving += leaving.Count;
        return leaving;
    }
}

/// <summary>One live entity in <see cref="LiveEntities"/>: the entity marks each command it takes as a use.</summary>
public sealed class LiveEntity
{
    private readonly LiveEntities _owner;
    private long _lastUsed;

    internal LiveEntity(LiveEntities owner, IActorRef entity)
    {
        _owner = owner;
        Entity = entity;
    }

    internal IActorRef Entity { get; }

    /// <summary>Asked to leave; written and read under the owner's lock.</summary>
    internal bool Leaving { get; set; }

    internal long LastUsed => Volatile.Read(ref _lastUsed);

    public void Used() => Volatile.Write(ref _lastUsed, _owner.Tick());

    /// <summary>The entity has stopped (passivated, handed off or failed): it no longer counts against the bound.</summary>
    public void Stopped() => _owner.Stopped(this);
}

/// <summary>Asks an entity to passivate because its node holds more live entities of its type than the bound.</summary>
public sealed record PassivateLeastUsed
{
    public static readonly PassivateLeastUsed Instance = new();
}
