using Akka.Actor;
using Pipeline.Actors.Engine;
using Pipeline.Actors.Entities.Batches;
using Xunit.Abstractions;

namespace Pipeline.Tests.Actors.Engine;

/// <summary>A command whose deadline has passed is answered <see cref="CommandExpired"/> and never decided.</summary>
public sealed class EntityActorDeadlineTests(ITestOutputHelper output) : EntityActorTestKit(output)
{
    [Fact]
    public async Task A_command_past_its_deadline_is_answered_expired_and_changes_nothing()
    {
        var journal = WatchJournal();
        var behavior = new CountingBatchBehavior();
        var entity = Spawn("d1", behavior: behavior);
        await AskAsync<BatchReply.Created>(entity, "d1", new CreateBatch("sku-d", 10));
        await journal.ExpectMsgAsync<SerializingMemoryJournal.JournalWritten>(Wait);
        var decided = behavior.Decided;

        var late = new EntityCommand<BatchCommand>("d1", Consume(4, "late"), Clock.GetUtcNow().AddMilliseconds(-1));
        Assert.Equal(new CommandExpired("d1"), await entity.Ask<object>(late, Wait));

        Assert.Equal(decided, behavior.Decided);
        await journal.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Assert.Equal(new BatchView("d1", "sku-d", 10, 10, 1, Clock.GetUtcNow()), await GetAsync(entity, "d1"));
        // The key was never used: the same request now runs for the first time.
        Assert.Equal(new BatchReply.Consumed("d1", 4, 6, 2, Replayed: false), await AskAsync(entity, "d1", Consume(4, "late")));
    }

    [Fact]
    public async Task A_command_that_expires_while_it_waits_behind_a_write_is_answered_expired()
    {
        var entity = Spawn("d2");
        await AskAsync<BatchReply.Created>(entity, "d2", new CreateBatch("sku-d", 10));

        await SetWritesHeldAsync(true);
        entity.Tell(Command("d2", Consume(1)), TestActor);
        entity.Tell(new EntityCommand<BatchCommand>("d2", Consume(2), Clock.GetUtcNow().AddSeconds(5)), TestActor);
        await AwaitConditionAsync(() => Task.FromResult(Counters.Stats().QueuedCommands == 1), Wait);
        Clock.Advance(TimeSpan.FromSeconds(6));
        await SetWritesHeldAsync(false);

        Assert.Equal(9, (await ExpectMsgAsync<BatchReply.Consumed>(Wait)).Remaining);
        await ExpectMsgAsync(new CommandExpired("d2"), Wait);
        Assert.Equal(9, (await GetAsync(entity, "d2")).Remaining);
    }
}
