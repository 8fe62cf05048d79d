using Pipeline.Actors.Engine;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.Outbox;
using Xunit.Abstractions;

namespace Pipeline.Tests.Actors.Engine;

/// <summary>Commands that arrive while a write is in flight are decided in order and stored together in the next write.</summary>
public sealed class EntityActorGroupCommitTests(ITestOutputHelper output) : EntityActorTestKit(output)
{
    private const int Commands = 200;
    private const int Stock = 150;

    [Fact]
    public async Task Two_hundred_commands_sent_at_once_are_answered_in_order_never_oversold_in_far_fewer_writes()
    {
        var journal = WatchJournal();
        var entity = Spawn("g1");
        await AskAsync<BatchReply.Created>(entity, "g1", new CreateBatch("sku-g", Stock));
        await journal.ExpectMsgAsync<SerializingMemoryJournal.JournalWritten>(Wait);
        var writesBefore = Counters.Stats().Transactions;

        var client = CreateTestProbe();
        for (var i = 0; i < Commands; i++)
        {
            entity.Tell(Command("g1", Consume(1)), client);
        }

        AssertAnsweredInOrder("g1", await client.ReceiveNAsync(Commands, Wait).ToListAsync());
        var writes = Counters.Stats().Transactions - writesBefore;
        Assert.InRange(writes, 1, 99);
        Assert.Equal(writes, await CountWritesAsync(journal));
        Assert.Equal(0, (await GetAsync(entity, "g1")).Remaining);
    }

    [Fact]
    public async Task Commands_queued_behind_a_write_go_out_in_writes_of_at_most_MaxCommandsPerWrite()
    {
        var journal = WatchJournal();
        var entity = Spawn("g2", new EntitySettings(MaxCommandsPerWrite: 50));
        await AskAsync<BatchReply.Created>(entity, "g2", new CreateBatch("sku-g", Stock));
        await journal.ExpectMsgAsync<SerializingMemoryJournal.JournalWritten>(Wait);

        await SetWritesHeldAsync(true);
        var client = CreateTestProbe();
        for (var i = 0; i < Commands; i++)
        {
            entity.Tell(Command("g2", Consume(1)), client);
        }
        // The first consume is in the held write; the other 199 wait for it.
        await AwaitConditionAsync(() => Task.FromResult(Counters.Stats().QueuedCommands == Commands - 1), Wait);
        await client.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        await SetWritesHeldAsync(false);

        AssertAnsweredInOrder("g2", await client.ReceiveNAsync(Commands, Wait).ToListAsync());
        // The held write (1 consume), then 50 + 50 + 50 commands (149 consumes, then the first refusal); the last 49
        // commands are refusals without a key, which store nothing and so need no write.
        var consumesPerWrite = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            var write = await journal.ExpectMsgAsync<SerializingMemoryJournal.JournalWritten>(Wait);
            consumesPerWrite.Add(write.Events.Count(e => EventWithMessages.EventOf(e.Payload) is BatchConsumed));
        }
        Assert.Equal([1, 50, 50, 49], consumesPerWrite);
        await journal.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        Assert.Equal(1 + 4, Counters.Stats().Transactions);
        Assert.Equal(1 + 1 + 150, Counters.Stats().CommandsCommitted);
    }

    private static void AssertAnsweredInOrder(string key, IReadOnlyList<object> replies)
    {
        Assert.Equal(Commands, replies.Count);
        for (var i = 0; i < Stock; i++)
        {
            Assert.Equal(new BatchReply.Consumed(key, 1, Stock - 1 - i, 2 + i, Replayed: false), replies[i]);
        }
        for (var i = Stock; i < Commands; i++)
        {
            Assert.Equal(new BatchReply.InsufficientQuantity(0, Replayed: false), replies[i]);
        }
    }

    private static async Task<long> CountWritesAsync(Akka.TestKit.TestProbe journal)
    {
        var writes = 0L;
        while (await journal.ReceiveOneAsync(TimeSpan.FromMilliseconds(200)) is SerializingMemoryJournal.JournalWritten)
        {
            writes++;
        }
        return writes;
    }
}
