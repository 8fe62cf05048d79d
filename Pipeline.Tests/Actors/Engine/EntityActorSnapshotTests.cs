using Akka.Actor;
using Akka.Persistence;
using Pipeline.Actors.Engine;
using Pipeline.Actors.Entities.Batches;
using Xunit.Abstractions;

namespace Pipeline.Tests.Actors.Engine;

/// <summary>Snapshots every <see cref="EntitySettings.SnapshotEvery"/> events, and recovery from the latest one plus the tail.</summary>
public sealed class EntityActorSnapshotTests(ITestOutputHelper output) : EntityActorTestKit(output)
{
    private static readonly EntitySettings EveryFive = new(SnapshotEvery: 5);

    [Fact]
    public async Task A_new_incarnation_recovers_from_the_latest_snapshot_and_the_events_after_it_with_its_idempotency_keys()
    {
        var entity = Spawn("s1", EveryFive);
        await AskAsync<BatchReply.Created>(entity, "s1", new CreateBatch("sku-s", 100));
        var first = new List<BatchReply.Consumed>();
        for (var i = 1; i <= 12; i++)
        {
            first.Add(await AskAsync<BatchReply.Consumed>(entity, "s1", Consume(1, $"k{i}")));
        }
        var before = await GetAsync(entity, "s1");

        // 13 events, one per write: snapshots after events 5 and 10. (The entity deletes older snapshots when a newer one
        // is saved, but not reliably: the two saves run concurrently in the local store, and a save of 5 that finishes
        // after the save of 10 outlives the delete. Harmless, the latest is what recovery reads; not asserted.)
        await AwaitAssertAsync(async () => Assert.Equal(10, (await LoadSnapshotAsync("batch/s1", long.MaxValue))?.Metadata.SequenceNr), Wait);
        await StopAsync(entity);

        var behavior = new CountingBatchBehavior();
        var again = Spawn("s1", EveryFive, behavior);
        Assert.Equal(before, await GetAsync(again, "s1"));
        Assert.Equal(1, behavior.Restored);
        Assert.Equal(3, behavior.Applied);

        // Keys remembered in the snapshot (k3) and in the replayed tail (k12) answer the first reply again, consuming nothing.
        Assert.Equal(first[2] with { Replayed = true }, await AskAsync<BatchReply.Consumed>(again, "s1", Consume(1, "k3")));
        Assert.Equal(first[11] with { Replayed = true }, await AskAsync<BatchReply.Consumed>(again, "s1", Consume(1, "k12")));
        Assert.IsType<BatchReply.IdempotencyKeyReused>(await AskAsync(again, "s1", new ConsumeBatch(1, "k3", "another-body")));
        Assert.Equal(88, (await GetAsync(again, "s1")).Remaining);
    }

    [Fact]
    public async Task No_snapshot_is_taken_when_snapshots_are_off()
    {
        var entity = Spawn("s2", new EntitySettings(SnapshotEvery: 0));
        await AskAsync<BatchReply.Created>(entity, "s2", new CreateBatch("sku-s", 100));
        for (var i = 0; i < 12; i++)
        {
            await AskAsync<BatchReply.Consumed>(entity, "s2", Consume(1));
        }
        await StopAsync(entity);

        var behavior = new CountingBatchBehavior();
        Assert.Equal(88, (await GetAsync(Spawn("s2", behavior: behavior), "s2")).Remaining);
        Assert.Equal((0, 13), (behavior.Restored, behavior.Applied));
        Assert.Null(await LoadSnapshotAsync("batch/s2", long.MaxValue));
    }

    private async Task<SelectedSnapshot?> LoadSnapshotAsync(string persistenceId, long maxSequenceNr)
    {
        var store = Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        var result = await store.Ask<LoadSnapshotResult>(
            new LoadSnapshot(persistenceId, new SnapshotSelectionCriteria(maxSequenceNr), long.MaxValue), Wait);
        return result.Snapshot;
    }
}
