using Pipeline.Actors.Engine;
using Pipeline.Actors.Runtime;

namespace Pipeline.Actors.Entities.Batches;

/// <summary>The rules of an inventory batch: created once, consumed but never below zero, keyed consumes answered once.</summary>
public sealed class BatchBehavior : IEntityBehavior<BatchState, BatchCommand, BatchEvent, BatchReply>, ISnapshotBehavior<BatchState>
{
    public const string DepletedMessage = "batch.depleted";

    public string EntityType => "batch";

    public BatchState Create(string key) => new(key);

    public Decision<BatchEvent, BatchReply> Decide(BatchState state, BatchCommand command, DateTimeOffset now) => command switch
    {
        CreateBatch create => DecideCreate(state, create, now),
        ConsumeBatch consume => DecideConsume(state, consume, now),
        GetBatch => Decision<BatchEvent, BatchReply>.Only(
            state.Exists ? new BatchReply.Current(state.View()) : new BatchReply.NotFound()),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown batch command"),
    };

    private static Decision<BatchEvent, BatchReply> DecideCreate(BatchState state, CreateBatch create, DateTimeOffset now)
    {
        if (state.Exists)
        {
            return Decision<BatchEvent, BatchReply>.Only(new BatchReply.AlreadyExists());
        }
        var created = new BatchCreated(state.Id, create.Sku, create.Quantity, now);
        var view = new BatchView(state.Id, create.Sku, create.Quantity, create.Quantity, 1, now);
        return Decision<BatchEvent, BatchReply>.Persist(created, new BatchReply.Created(view));
    }

    private static Decision<BatchEvent, BatchReply> DecideConsume(BatchState state, ConsumeBatch consume, DateTimeOffset now)
    {
        if (!state.Exists)
        {
            return Decision<BatchEvent, BatchReply>.Only(new BatchReply.NotFound());
        }

        if (consume.IdempotencyKey is { } key && state.Requests.TryGetValue(key, out var earlier))
        {
            BatchReply replay = earlier.RequestHash != consume.RequestHash
                ? new BatchReply.IdempotencyKeyReused()
                : earlier.Reply switch
                {
                    BatchReply.Consumed c => c with { Replayed = true },
                    BatchReply.InsufficientQuantity i => i with { Replayed = true },
                    var other => other,
                };
            return Decision<BatchEvent, BatchReply>.Only(replay);
        }

        if (consume.Quantity > state.Remaining)
        {
            var refused = new BatchReply.InsufficientQuantity(state.Remaining, Replayed: false);
            return consume.IdempotencyKey is null
                ? Decision<BatchEvent, BatchReply>.Only(refused)
                : Decision<BatchEvent, BatchReply>.Persist(
                    new BatchConsumeRefused(consume.Quantity, state.Remaining, consume.IdempotencyKey, consume.RequestHash, now), refused);
        }

        var remaining = state.Remaining - consume.Quantity;
        var version = state.Version + 1;
        var consumed = new BatchConsumed(consume.Quantity, remaining, version, consume.IdempotencyKey, consume.RequestHash, now);
        var reply = new BatchReply.Consumed(state.Id, consume.Quantity, remaining, version, Replayed: false);
        return remaining == 0
            ? Decision<BatchEvent, BatchReply>.Persist(consumed, reply,
                new Notification(DepletedMessage, state.View() with { Remaining = 0, Version = version }))
            : Decision<BatchEvent, BatchReply>.Persist(consumed, reply);
    }

    public object ToSnapshot(BatchState state) => BatchSnapshot.Of(state);

    public BatchState FromSnapshot(string key, object snapshot) => ((BatchSnapshot)snapshot).ToState();

    public BatchState Apply(BatchState state, BatchEvent @event)
    {
        switch (@event)
        {
            case BatchCreated created:
                state.Exists = true;
                state.Sku = created.Sku;
                state.Quantity = created.Quantity;
                state.Remaining = created.Quantity;
                state.Version = 1;
                state.CreatedAt = created.At;
                break;
            case BatchConsumed consumed:
                state.Remaining = consumed.Remaining;
                state.Version = consumed.Version;
                Remember(state, consumed.IdempotencyKey, consumed.RequestHash, consumed.At,
                    new BatchReply.Consumed(state.Id, consumed.Quantity, consumed.Remaining, consumed.Version, Replayed: false));
                break;
            case BatchConsumeRefused refused:
                Remember(state, refused.IdempotencyKey, refused.RequestHash, refused.At,
                    new BatchReply.InsufficientQuantity(refused.Remaining, Replayed: false));
                break;
        }
        Expire(state, @event.At);
        return state;
    }

    public IReadOnlyList<object> Project(BatchState state, IReadOnlyList<BatchEvent> events) => [state.View()];

    private static void Remember(BatchState state, string? key, string? hash, DateTimeOffset at, BatchReply reply)
    {
        if (key is null || hash is null)
        {
            return;
        }
        state.Requests[key] = new BatchState.RememberedRequest(hash, reply);
        state.RequestsByAge.Enqueue((key, at));
    }

    private static void Expire(BatchState state, DateTimeOffset now)
    {
        while (state.RequestsByAge.TryPeek(out var oldest) && now - oldest.At > BatchState.IdempotencyRetention)
        {
            state.RequestsByAge.Dequeue();
            state.Requests.Remove(oldest.Key);
        }
    }
}
