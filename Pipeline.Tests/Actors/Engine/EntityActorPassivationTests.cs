using Akka.Actor;
using Pipeline.Actors.Engine;
using Pipeline.Actors.Entities.Batches;
using Xunit.Abstractions;

namespace Pipeline.Tests.Actors.Engine;

/// <summary><see cref="EntityStop"/> stops the entity only after the commands it already holds, and nothing is lost.</summary>
public sealed class EntityActorPassivationTests(ITestOutputHelper output) : EntityActorTestKit(output)
{
    [Fact]
    public async Task EntityStop_stops_the_entity_after_answering_the_commands_queued_before_it()
    {
        var journal = WatchJournal();
        var entity = Spawn("p1");
        await AskAsync<BatchReply.Created>(entity, "p1", new CreateBatch("sku-p", 10));
        await journal.ExpectMsgAsync<SerializingMemoryJournal.JournalWritten>(Wait);
        Watch(entity);

        await SetWritesHeldAsync(true);
        entity.Tell(Command("p1", Consume(1)), TestActor);
        await journal.ExpectMsgAsync<SerializingMemoryJournal.JournalWritten>(Wait);
        entity.Tell(Command("p1", Consume(2)), TestActor);
        entity.Tell(Command("p1", Consume(3)), TestActor);
        entity.Tell(EntityStop.Instance);
        // Still running: its write is in flight and two commands wait behind it (once all three have arrived).
        await AwaitConditionAsync(() => Task.FromResult(Counters.Stats().Passivations == 1), Wait);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));

        await SetWritesHeldAsync(false);
        Assert.Equal(9, (await ExpectMsgAsync<BatchReply.Consumed>(Wait)).Remaining);
        Assert.Equal(7, (await ExpectMsgAsync<BatchReply.Consumed>(Wait)).Remaining);
        Assert.Equal(4, (await ExpectMsgAsync<BatchReply.Consumed>(Wait)).Remaining);
        await ExpectTerminatedAsync(entity, Wait);
        Assert.Equal((0, 1L), (Counters.Stats().LiveEntities, Counters.Stats().Passivations));

        Assert.Equal(new BatchView("p1", "sku-p", 10, 4, 4, Clock.GetUtcNow()), await GetAsync(Spawn("p1"), "p1"));
    }

    [Fact]
    public async Task An_idle_entity_stops_at_once_on_EntityStop()
    {
        var entity = Spawn("p2");
        await AskAsync<BatchReply.Created>(entity, "p2", new CreateBatch("sku-p", 10));

        await StopAsync(entity);

        Assert.Equal(10, (await GetAsync(Spawn("p2"), "p2")).Remaining);
    }
}
