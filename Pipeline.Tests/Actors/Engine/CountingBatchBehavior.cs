using Pipeline.Actors.Engine;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.Runtime;

namespace Pipeline.Tests.Actors.Engine;

/// <summary>The batch behavior, counting how often the entity calls it: what it decided, replayed, and restored from a snapshot.</summary>
public sealed class CountingBatchBehavior : IEntityBehavior<BatchState, BatchCommand, BatchEvent, BatchReply>, ISnapshotBehavior<BatchState>
{
    private readonly BatchBehavior _inner = new();
    private int _decided;
    private int _applied;
    private int _restored;

    public int Decided => Volatile.Read(ref _decided);

    public int Applied => Volatile.Read(ref _applied);

    public int Restored => Volatile.Read(ref _restored);

    public string EntityType => _inner.EntityType;

    public BatchState Create(string key) => _inner.Create(key);

    public Decision<BatchEvent, BatchReply> Decide(BatchState state, BatchCommand command, DateTimeOffset now)
    {
        Interlocked.Increment(ref _decided);
        return _inner.Decide(state, command, now);
    }

    public BatchState Apply(BatchState state, BatchEvent @event)
    {
        Interlocked.Increment(ref _applied);
        return _inner.Apply(state, @event);
    }


    public IReadOnlyList<object> Project(BatchState state, IReadOnlyList<BatchEvent> events) => _inner.Project(state, events);

    public object ToSnapshot(BatchState state) => _inner.ToSnapshot(state);

    public BatchState FromSnapshot(string key, object snapshot)
    {
        Interlocked.Increment(ref _restored);
        return _inner.FromSnapshot(key, snapshot);
    }
}
