using Pipeline.Actors.Runtime;

namespace Pipeline.Actors.Projections;

/// <summary>
/// Keeps a copy of each recently changed entity, built by the entity's own <c>Apply</c>, and asks its behavior for the
/// rows that reflect it (<c>Project</c>): the read side is exactly what the entity would write itself. An entity's events
/// arrive in sequence order (it writes the next only after the previous is stored); one not held is rebuilt from
/// its history first. The copies are bounded: beyond <paramref name="capacity"/> the least recently changed go.
/// </summary>
public sealed class EntityProjector<TState, TCommand, TEvent, TReply>(
    IEntityBehavior<TState, TCommand, TEvent, TReply> behavior, int capacity = 10_000) : IEntityProjector
    where TEvent : class
{
    private readonly Dictionary<string, Held> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<TEvent>> _changed = new(StringComparer.Ordinal);
    private long _clock;

    public string EntityType => behavior.EntityType;

    public long SeqOf(string persistenceId) => _held.TryGetValue(persistenceId, out var held) ? held.Seq : 0;

    public void Apply(string persistenceId, long seq, object @event, bool project)
    {
        if (!_held.TryGetValue(persistenceId, out var held))
        {
            held = new Held(behavior.Create(persistenceId[(EntityType.Length + 1)..]));
            _held.Add(persistenceId, held);
        }
        held.Seq = seq;
        held.Touched = ++_clock;
        if (@event is not TEvent domain)
        {
            return; // outbox messages and other journaled records change no state
        }
        held.State = behavior.Apply(held.State, domain);
        if (!project)
        {
            return;
        }
        if (!_changed.TryGetValue(persistenceId, out var events))
        {
            _changed.Add(persistenceId, events = []);
        }
        events.Add(domain);
    }

    public IReadOnlyList<object> TakeViews()
    {
        var views = new List<object>();
        foreach (var (id, events) in _changed)
        {
            views.AddRange(behavior.Project(_held[id].State, events));
        }
        _changed.Clear();
        Evict();
        return views;
    }

    public void Reset()
    {
        _held.Clear();
        _changed.Clear();
    }

    private void Evict()
    {
        if (_held.Count <= capacity)
        {
            return;
        }
        // Drop the oldest half at once: O(n log n) every capacity/2 changes rather than a linked list per change.
        foreach (var id in _held.OrderBy(h => h.Value.Touched).Take(_held.Count - capacity / 2).Select(h => h.Key).ToList())
        {
            _held.Remove(id);
        }
    }

    private sealed class Held(TState state)
    {
        public TState State { get; set; } = state;
        public long Seq { get; set; }
        public long Touched { get; set; }
    }
}
