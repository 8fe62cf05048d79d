using System.Text.Json;
using Akka.Actor;
using Akka.Persistence;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.Outbox;
using Xunit.Abstractions;

namespace Pipeline.Tests.Actors.Engine;

/// <summary>
/// A notification is journaled in the same row as the event that caused it (<see cref="EventWithMessages"/>), so in the
/// same atomic write.
/// </summary>
public sealed class EntityActorOutboxTests(ITestOutputHelper output) : EntityActorTestKit(output)
{
    [Fact]
    public async Task A_depleting_consume_journals_the_outbox_message_in_the_row_of_its_BatchConsumed()
    {
        var journal = WatchJournal();
        var entity = Spawn("o1");
        await AskAsync<BatchReply.Created>(entity, "o1", new CreateBatch("sku-o", 2));
        await journal.ExpectMsgAsync<SerializingMemoryJournal.JournalWritten>(Wait);

        Assert.Equal(0, (await AskAsync<BatchReply.Consumed>(entity, "o1", Consume(2))).Remaining);

        var write = await journal.ExpectMsgAsync<SerializingMemoryJournal.JournalWritten>(Wait);
        Assert.Equal(["BatchConsumed+outbox"], write.Events.Select(e => e.Manifest));
        Assert.Equal([2L], write.Events.Select(e => e.SequenceNr));

        // Read back as any other reader of the journal would: the event, carrying the message with the batch.
        var recovered = await RecoverAsync("batch/o1");
        Assert.Equal([1L, 2L], recovered.Select(r => r.SequenceNr));
        Assert.IsType<BatchCreated>(recovered[0].Payload);
        var carried = Assert.IsType<EventWithMessages>(recovered[1].Payload);
        Assert.Equal(new BatchConsumed(2, 0, 2, null, "hash-", Clock.GetUtcNow()), carried.Event);
        var message = Assert.Single(carried.Messages);
        Assert.Equal(BatchBehavior.DepletedMessage, message.Type);
        Assert.StartsWith("msg", message.Id);
        Assert.Equal(Clock.GetUtcNow(), message.At);
        var data = JsonDocument.Parse(message.Data).RootElement;
        Assert.Equal(("o1", 0L, 2L), (data.GetProperty("id").GetString(), data.GetProperty("remaining").GetInt64(), data.GetProperty("version").GetInt64()));

        // The entity recovers the event the message rides with.
        await StopAsync(entity);
        Assert.Equal(new BatchView("o1", "sku-o", 2, 0, 2, Clock.GetUtcNow()), await GetAsync(Spawn("o1"), "o1"));
    }

    [Fact]
    public async Task A_consume_that_leaves_stock_records_no_outbox_message()
    {
        var journal = WatchJournal();
        var entity = Spawn("o2");
        await AskAsync<BatchReply.Created>(entity, "o2", new CreateBatch("sku-o", 2));
        await AskAsync<BatchReply.Consumed>(entity, "o2", Consume(1));

        await journal.ExpectMsgAsync<SerializingMemoryJournal.JournalWritten>(Wait);
        var write = await journal.ExpectMsgAsync<SerializingMemoryJournal.JournalWritten>(Wait);
        Assert.Equal(["BatchConsumed"], write.Events.Select(e => e.Manifest));
    }

    private async Task<IReadOnlyList<(long SequenceNr, object Payload)>> RecoverAsync(string persistenceId)
    {
        var reader = Sys.ActorOf(Props.Create(() => new JournalReader(persistenceId, TestActor)));
        var recovered = await ExpectMsgAsync<List<(long, object)>>(Wait);
        Sys.Stop(reader);
        return recovered;
    }

    /// <summary>Reads an entity's journal by recovering under its persistence id, and reports what it got; writes nothing.</summary>
    private sealed class JournalReader : ReceivePersistentActor
    {
        private readonly List<(long, object)> _recovered = [];

        public JournalReader(string persistenceId, IActorRef report)
        {
            PersistenceId = persistenceId;
            Recover<RecoveryCompleted>(_ => report.Tell(_recovered));
            RecoverAny(payload => _recovered.Add((LastSequenceNr, payload)));
        }

        public override string PersistenceId { get; }
    }
}
