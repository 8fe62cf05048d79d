using Akka.Actor;
using Akka.Persistence;
using Pipeline.Actors.Engine;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.Runtime;
using Pipeline.Tests.Support;
using Xunit.Abstractions;
using BatchActor = Pipeline.Actors.Engine.EntityActor<
    Pipeline.Actors.Entities.Batches.BatchState, Pipeline.Actors.Entities.Batches.BatchCommand,
    Pipeline.Actors.Entities.Batches.BatchEvent, Pipeline.Actors.Entities.Batches.BatchReply>;

namespace Pipeline.Tests.Actors.Engine;

/// <summary>
/// A batch <see cref="EntityActor{TState,TCommand,TEvent,TReply}"/> made directly (no sharding) on an actor system with
/// the serializing in-memory journal and a local snapshot store in a temp folder; the clock moves only when told.
/// </summary>
public abstract class EntityActorTestKit(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(EngineTestConfig.InMemory(NewSnapshotDirectory()), null, output)
{
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    protected EntityCounters Counters { get; } = new();

    protected ManualTimeProvider Clock { get; } = new();

    /// <summary>A fresh incarnation of the batch entity <paramref name="key"/>; it recovers whatever the journal holds.</summary>
    protected IActorRef Spawn(string key, EntitySettings? settings = null, IEntityBehavior<BatchState, BatchCommand, BatchEvent, BatchReply>? behavior = null) =>
        Sys.ActorOf(EntityProps(key, settings, behavior));

    /// <summary>The batch entity <paramref name="key"/> to be made; under the bound <paramref name="live"/> when given.</summary>
    protected Props EntityProps(
        string key, EntitySettings? settings = null, IEntityBehavior<BatchState, BatchCommand, BatchEvent, BatchReply>? behavior = null, LiveEntities? live = null) =>
        FactoryProducer<BatchActor>.Props(
            () => new BatchActor(behavior ?? new BatchBehavior(), key, settings ?? new EntitySettings(), Counters, Clock, live));

    /// <summary>The command with a deadline a minute ahead of the clock.</summary>
    protected EntityCommand<BatchCommand> Command(string key, BatchCommand command) => new(key, command, Clock.GetUtcNow().AddMinutes(1));

    protected Task<object> AskAsync(IActorRef entity, string key, BatchCommand command) =>
        entity.Ask<object>(Command(key, command), Wait);

    protected async Task<TReply> AskAsync<TReply>(IActorRef entity, string key, BatchCommand command) =>
        Assert.IsType<TReply>(await AskAsync(entity, key, command));

    protected async Task<BatchView> GetAsync(IActorRef entity, string key) =>
        (await AskAsync<BatchReply.Current>(entity, key, new GetBatch())).Batch;

    /// <summary>Passivates the entity the way sharding does and waits until it has stopped.</summary>
    protected async Task StopAsync(IActorRef entity)
    {
        var watcher = CreateTestProbe();
        watcher.Watch(entity);
        entity.Tell(EntityStop.Instance);
        await watcher.ExpectTerminatedAsync(entity, Wait);
    }

    /// <summary>A probe that receives every atomic write the journal stores.</summary>
    protected Akka.TestKit.TestProbe WatchJournal()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe, typeof(SerializingMemoryJournal.JournalWritten));
        return probe;
    }

    /// <summary>Holds (or releases) the acknowledgement of every journal write; returns once the journal has it.</summary>
    protected Task SetWritesHeldAsync(bool held) =>
        Persistence.Instance.Apply(Sys).JournalFor(null).Ask<object>(
            held ? SerializingMemoryJournal.HoldWrites.Instance : SerializingMemoryJournal.ReleaseWrites.Instance, Wait);

    protected static ConsumeBatch Consume(long quantity, string? key = null) => new(quantity, key, "hash-" + key);

    private static string NewSnapshotDirectory() => Directory.CreateTempSubdirectory("pipeline-engine-snapshots-").FullName;

    protected override void AfterAll()
    {
        var directory = Sys.Settings.Config.GetString("akka.persistence.snapshot-store.local.dir");
        base.AfterAll();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A snapshot file still being written when the system stopped: the temp folder is left behind.
        }
    }
}
