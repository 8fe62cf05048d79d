using Pipeline.Actors.Engine;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.Serialization;
using Xunit.Abstractions;

namespace Pipeline.Tests.Actors.Engine;

/// <summary>Replies wait for the journal, the journal holds the behavior's events, and a new incarnation rebuilds from them.</summary>
public sealed class EntityActorJournalTests(ITestOutputHelper output) : EntityActorTestKit(output)
{
    [Fact]
    public async Task A_reply_is_sent_only_after_the_write_of_its_events_is_acknowledged()
    {
        var journal = WatchJournal();
        var entity = Spawn("b1");
        await AskAsync<BatchReply.Created>(entity, "b1", new CreateBatch("sku-1", 10));
        var created = await journal.ExpectMsgAsync<SerializingMemoryJournal.JournalWritten>(Wait);
        var stored = Assert.Single(created.Events);
        Assert.Equal("batch/b1", created.PersistenceId);
        Assert.Equal((1L, "BatchCreated", JournalSerializer.Id), (stored.SequenceNr, stored.Manifest, stored.SerializerId));
        Assert.Equal(new BatchCreated("b1", "sku-1", 10, Clock.GetUtcNow()), stored.Payload);

        await SetWritesHeldAsync(true);
        entity.Tell(Command("b1", Consume(3)), TestActor);
        // The consume is decided and its write handed to the journal (which stores, but does not yet acknowledge, it):
        // a reply sent before the acknowledgement would already be in the mailbox now.
        var write = Assert.Single((await journal.ExpectMsgAsync<SerializingMemoryJournal.JournalWritten>(Wait)).Events);
        Assert.Equal(2, write.SequenceNr);
        Assert.Equal(new BatchConsumed(3, 7, 2, null, "hash-", Clock.GetUtcNow()), write.Payload);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        await SetWritesHeldAsync(false);
        Assert.Equal(new BatchReply.Consumed("b1", 3, 7, 2, Replayed: false), await ExpectMsgAsync<BatchReply.Consumed>(Wait));
    }

    [Fact]
    public async Task A_new_incarnation_recovers_the_state_from_the_journal()
    {
        var entity = Spawn("b2");
        await AskAsync<BatchReply.Created>(entity, "b2", new CreateBatch("sku-2", 10));
        await AskAsync<BatchReply.Consumed>(entity, "b2", Consume(4));
        await AskAsync<BatchReply.Consumed>(entity, "b2", Consume(1));
        var before = await GetAsync(entity, "b2");
        await StopAsync(entity);

        var again = Spawn("b2");
        var after = await GetAsync(again, "b2");

        Assert.Equal(before, after);
        Assert.Equal(new BatchView("b2", "sku-2", 10, 5, 3, Clock.GetUtcNow()), after);
        Assert.Equal(2, Counters.Stats().Recoveries);
    }

    [Fact]
    public async Task An_unknown_batch_stays_unknown_and_writes_nothing()
    {
        var journal = WatchJournal();
        var entity = Spawn("b3");

        await AskAsync<BatchReply.NotFound>(entity, "b3", Consume(1));
        await AskAsync<BatchReply.NotFound>(entity, "b3", new GetBatch());

        await journal.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Assert.Equal(0, Counters.Stats().Transactions);
    }
}
