using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.Runtime;

namespace Pipeline.Tests.Actors.Entities.Batches;

/// <summary>The batch rules as pure functions: no storage, no threads.</summary>
public sealed class BatchBehaviorTests
{
    private static readonly DateTimeOffset T0 = new(2025, 5, 1, 8, 0, 0, TimeSpan.Zero);

    private readonly BatchBehavior _behavior = new();
    private readonly BehaviorJournal<BatchState, BatchCommand, BatchEvent, BatchReply> _entity;

    public BatchBehaviorTests() => _entity = new(_behavior, "b1");

    [Fact]
    public void A_new_batch_is_created_once()
    {
        var created = Assert.IsType<BatchReply.Created>(Run(new CreateBatch("SKU", 10), T0).Reply);

        Assert.Equal(new BatchView("b1", "SKU", 10, 10, 1, T0), created.Batch);
        Assert.IsType<BatchReply.AlreadyExists>(Run(new CreateBatch("SKU", 99), T0).Reply);
        Assert.Single(_entity.Events);
    }

    [Fact]
    public void A_batch_that_was_never_created_is_not_found()
    {
        Assert.IsType<BatchReply.NotFound>(Run(new ConsumeBatch(1, "k", "h"), T0).Reply);
        Assert.IsType<BatchReply.NotFound>(Run(new GetBatch(), T0).Reply);
        Assert.Empty(_entity.Events);
    }

    [Fact]
    public void A_consume_lowers_remaining_and_raises_the_version()
    {
        Run(new CreateBatch("SKU", 10), T0);

        var reply = Run(new ConsumeBatch(4, null, "h"), T0).Reply;

        Assert.Equal(new BatchReply.Consumed("b1", 4, 6, 2, Replayed: false), reply);
        Assert.Equal(new BatchView("b1", "SKU", 10, 6, 2, T0), _entity.State.View());
    }

    [Fact]
    public void A_replayed_idempotency_key_returns_the_first_reply_and_consumes_nothing()
    {
        Run(new CreateBatch("SKU", 10), T0);
        var first = Run(new ConsumeBatch(4, "key-1", "hash-a"), T0).Reply;
        Run(new ConsumeBatch(1, null, "other"), T0);

        var replay = Run(new ConsumeBatch(4, "key-1", "hash-a"), T0.AddHours(1));

        Assert.Empty(replay.Events);
        Assert.Empty(replay.Notifications);
        Assert.Equal(((BatchReply.Consumed)first) with { Replayed = true }, replay.Reply);
        Assert.Equal(5, _entity.State.Remaining);
    }

    [Fact]
    public void An_idempotency_key_reused_with_a_different_body_is_refused_and_consumes_nothing()
    {
        Run(new CreateBatch("SKU", 10), T0);
        Run(new ConsumeBatch(4, "key-1", "hash-a"), T0);

        var reused = Run(new ConsumeBatch(4, "key-1", "hash-b"), T0);

        Assert.IsType<BatchReply.IdempotencyKeyReused>(reused.Reply);
        Assert.Empty(reused.Events);
        Assert.Equal(6, _entity.State.Remaining);
    }

    [Fact]
    public void Reaching_zero_emits_batch_depleted_exactly_once()
    {
        Run(new CreateBatch("SKU", 5), T0);
        var notifications = new List<Notification>();

        notifications.AddRange(Run(new ConsumeBatch(3, null, "h"), T0).Notifications);
        notifications.AddRange(Run(new ConsumeBatch(2, "last", "h2"), T0).Notifications);
        notifications.AddRange(Run(new ConsumeBatch(1, null, "h"), T0).Notifications);
        notifications.AddRange(Run(new ConsumeBatch(1, "late", "h3"), T0).Notifications);
        notifications.AddRange(Run(new ConsumeBatch(2, "last", "h2"), T0).Notifications); // replay of the depleting consume

        var depleted = Assert.Single(notifications);
        Assert.Equal(BatchBehavior.DepletedMessage, depleted.Type);
        Assert.Equal(new BatchView("b1", "SKU", 5, 0, 3, T0), depleted.Data);
    }

    [Fact]
    public void A_keyed_refusal_is_journaled_so_its_replay_answers_the_same()
    {
        Run(new CreateBatch("SKU", 5), T0);

        var refused = Run(new ConsumeBatch(8, "too-many", "h"), T0);
        var versionAfterRefusal = _entity.State.Version;
        Run(new ConsumeBatch(2, null, "h"), T0);
        var replay = Run(new ConsumeBatch(8, "too-many", "h"), T0);

        Assert.Equal(new BatchReply.InsufficientQuantity(5, Replayed: false), refused.Reply);
        Assert.Equal(new BatchConsumeRefused(8, 5, "too-many", "h", T0), Assert.Single(refused.Events));
        Assert.Equal(new BatchReply.InsufficientQuantity(5, Replayed: true), replay.Reply);
        Assert.Equal(1, versionAfterRefusal); // a refusal changes no quantity, so no version
    }

    [Fact]
    public void A_refusal_without_a_key_is_not_journaled()
    {
        Run(new CreateBatch("SKU", 5), T0);

        var refused = Run(new ConsumeBatch(8, null, "h"), T0);

        Assert.Equal(new BatchReply.InsufficientQuantity(5, Replayed: false), refused.Reply);
        Assert.Empty(refused.Events);
    }

    [Fact]
    public void An_idempotency_key_is_kept_for_24_hours_and_forgotten_after()
    {
        Run(new CreateBatch("SKU", 100), T0);
        Run(new ConsumeBatch(1, "key-1", "h"), T0);

        Run(new ConsumeBatch(1, null, "h"), T0.AddHours(24)); // exactly 24 h later: still kept
        var withinRetention = Run(new ConsumeBatch(1, "key-1", "h"), T0.AddHours(24));
        Run(new ConsumeBatch(1, null, "h"), T0.AddHours(24).AddSeconds(1));
        var afterRetention = Run(new ConsumeBatch(1, "key-1", "h"), T0.AddHours(24).AddSeconds(2));

        Assert.True(Assert.IsType<BatchReply.Consumed>(withinRetention.Reply).Replayed);
        var consumedAgain = Assert.IsType<BatchReply.Consumed>(afterRetention.Reply);
        Assert.False(consumedAgain.Replayed);
        Assert.Equal(96, consumedAgain.Remaining);
    }

    [Fact]
    public void Replaying_the_journal_rebuilds_the_same_state_and_idempotency_keys()
    {
        Run(new CreateBatch("SKU", 50), T0);
        Run(new ConsumeBatch(5, "a", "ha"), T0.AddHours(1));
        Run(new ConsumeBatch(60, "b", "hb"), T0.AddHours(2));
        Run(new ConsumeBatch(5, "c", "hc"), T0.AddHours(30)); // expires "a" and "b"
        Run(new ConsumeBatch(1, null, "h"), T0.AddHours(31));

        var codec = new EventCodec<BatchEvent>();
        var rebuilt = _behavior.Create("b1");
        foreach (var e in _entity.Events)
        {
            rebuilt = _behavior.Apply(rebuilt, codec.Decode(codec.Encode(e)));
        }

        Assert.Equal(_entity.State.View(), rebuilt.View());
        Assert.Equal(_entity.State.Requests.OrderBy(r => r.Key), rebuilt.Requests.OrderBy(r => r.Key));
        Assert.Equal(["c"], rebuilt.Requests.Keys);
    }

    /// <summary>Decides the command on the current state and applies its events, as the runtime does.</summary>
    private Decision<BatchEvent, BatchReply> Run(BatchCommand command, DateTimeOffset at) => _entity.Run(command, at);
}
