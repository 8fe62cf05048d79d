using System.Collections.Concurrent;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.Runtime;

namespace Pipeline.Tests.Actors.Runtime;

/// <summary>
/// The batch behavior, remembering a weak reference to each state it creates for the keys a test picks: after a
/// full collection, a state still alive is one the runtime (or something it leaks to) still holds. That is what
/// "passivated" must mean for memory, and unlike the process's heap size it is not moved by tests running beside it.
/// </summary>
public sealed class TrackedBatchBehavior(Func<string, bool> track) : IEntityBehavior<BatchState, BatchCommand, BatchEvent, BatchReply>
{
    private readonly BatchBehavior _inner = new();
    private readonly ConcurrentDictionary<string, WeakReference<BatchState>> _created = new(StringComparer.Ordinal);

    public string EntityType => _inner.EntityType;

    /// <summary>Tracked keys whose state has been created.</summary>
    public int Tracked => _created.Count;

    /// <summary>Tracked keys whose latest state has not been collected (call after a full, blocking collection).</summary>
    public IReadOnlyList<string> Alive() => [.. _created.Where(c => c.Value.TryGetTarget(out _)).Select(c => c.Key)];

    public BatchState Create(string key)
    {
        var state = _inner.Create(key);
        if (track(key))
        {
            _created[key] = new WeakReference<BatchState>(state);
        }
        return state;
    }

    public Decision<BatchEvent, BatchReply> Decide(BatchState state, BatchCommand command, DateTimeOffset now) => _inner.Decide(state, command, now);

    public BatchState Apply(BatchState state, BatchEvent @event) => _inner.Apply(state, @event);

    public BatchState Copy(BatchState state) => _inner.Copy(state);

    public IReadOnlyList<object> Project(BatchState state, IReadOnlyList<BatchEvent> events) => _inner.Project(state, events);
}
