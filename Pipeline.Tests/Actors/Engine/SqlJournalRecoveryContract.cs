using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Pipeline.Actors.Engine;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.Persistence;
using Pipeline.Host.Engine;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;
using BatchActor = Pipeline.Actors.Engine.EntityActor<
    Pipeline.Actors.Entities.Batches.BatchState, Pipeline.Actors.Entities.Batches.BatchCommand,
    Pipeline.Actors.Entities.Batches.BatchEvent, Pipeline.Actors.Entities.Batches.BatchReply>;

namespace Pipeline.Tests.Actors.Engine;

public sealed class SqliteJournalRecoveryTests(SqliteTestDatabase database) : SqlJournalRecoveryContract(database), IClassFixture<SqliteTestDatabase>;

public sealed class PostgresJournalRecoveryTests(PostgresTestDatabase database) : SqlJournalRecoveryContract(database), IClassFixture<PostgresTestDatabase>;

/// <summary>
/// The entity on real storage through the journal the host runs (<see cref="PipelineSqlJournal"/>: Akka.Persistence.Sql
/// with the recovery read in one query), configured as the host configures it.
/// </summary>
public abstract class SqlJournalRecoveryContract(TestDatabase database)
{
    /// <summary>
    /// Generous: in CI, beside the other test classes on two cores, 40 recoveries at once have outlasted 20 s (once on
    /// SQLite, once on PostgreSQL; never alone, 12 runs in a row). A recovery that hangs still fails the test.
    /// </summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly ManualTimeProvider _clock = new();

    [Theory]
    [InlineData(5, 2_000)]   // a snapshot after event 5, the tail in the one read
    [InlineData(0, 2_000)]   // no snapshot: every event in the one read
    [InlineData(0, 3)]       // more events than one read holds: Akka.Persistence.Sql's paged replay
    [InlineData(5, 1)]
    public async Task An_entity_journaled_to_storage_recovers_its_state_in_a_new_actor_system(int snapshotEvery, int maxRowsInOneRead)
    {
        var key = $"q{snapshotEvery}-{maxRowsInOneRead}";
        var settings = new EntitySettings(SnapshotEvery: snapshotEvery);
        BatchView before;
        await using (var system = new Running(Config(maxRowsInOneRead), settings))
        {
            var entity = system.Spawn(key, _clock);
            Assert.IsType<BatchReply.Created>(await system.AskAsync(entity, key, new CreateBatch("sku-q", 10), _clock));
            for (var i = 1; i <= 7; i++)
            {
                Assert.IsType<BatchReply.Consumed>(await system.AskAsync(entity, key, new ConsumeBatch(1, $"k{i}", "h"), _clock));
            }
            before = Assert.IsType<BatchReply.Current>(await system.AskAsync(entity, key, new GetBatch(), _clock)).Batch;
            // The snapshot store writes after the event that triggered it and answers nobody: its first write (the
            // plugin starting on a busy machine) can outlast the asks above, and terminating the system drops it.
            await Eventually.HoldsAsync(async () => await database.ScalarAsync(Snapshots(key)) == (snapshotEvery > 0 ? 1 : 0), Wait);
        }

        await using (var system = new Running(Config(maxRowsInOneRead), settings))
        {
            var entity = system.Spawn(key, _clock);
            var after = Assert.IsType<BatchReply.Current>(await system.AskAsync(entity, key, new GetBatch(), _clock)).Batch;
            Assert.Equal(before, after);
            Assert.Equal(new BatchView(key, "sku-q", 10, 3, 8, _clock.GetUtcNow()), after);
            // Keyed consumes come back from the snapshot and the journal's tail alike.
            Assert.Equal(new BatchReply.Consumed(key, 1, 7, 4, Replayed: true), await system.AskAsync(entity, key, new ConsumeBatch(1, "k3", "h"), _clock));
            Assert.Equal(new BatchReply.Consumed(key, 1, 3, 8, Replayed: true), await system.AskAsync(entity, key, new ConsumeBatch(1, "k7", "h"), _clock));
            // The recovered entity goes on numbering its events after the last one journaled.
            Assert.Equal(new BatchReply.Consumed(key, 1, 2, 9, Replayed: false), await system.AskAsync(entity, key, new ConsumeBatch(1, "k8", "h"), _clock));
        }

        await using (var system = new Running(Config(maxRowsInOneRead), settings))
        {
            var entity = system.Spawn(key, _clock);
            Assert.Equal(2, Assert.IsType<BatchReply.Current>(await system.AskAsync(entity, key, new GetBatch(), _clock)).Batch.Remaining);
        }

        Assert.Equal(9, await database.ScalarAsync($"SELECT COUNT(*) FROM event_journal WHERE persistence_id = 'batch/{key}'"));
        Assert.Equal(snapshotEvery > 0 ? 1 : 0, await database.ScalarAsync(Snapshots(key)));
    }

    [Fact]
    public async Task Entities_recovering_at_the_same_moment_each_get_their_own_events()
    {
        // On PostgreSQL the recoveries waiting at once share one statement: every entity must get its rows and no other's.
        var keys = Enumerable.Range(0, 40).Select(i => $"many-{i}").ToList();
        var settings = new EntitySettings(SnapshotEvery: 0);
        await using (var system = new Running(Config(2_000), settings))
        {
            // Written one entity at a time: the recoveries below are the subject, and 40 entities writing at once on a
            // busy machine (SQLite's single writer, its busy retries) could outlast an ask.
            foreach (var (key, i) in keys.Select((key, i) => (key, i)))
            {
                var entity = system.Spawn(key, _clock);
                Assert.IsType<BatchReply.Created>(await system.AskAsync(entity, key, new CreateBatch("sku-m", 1_000), _clock));
                for (var n = 1; n <= i % 7; n++)
                {
                    Assert.IsType<BatchReply.Consumed>(await system.AskAsync(entity, key, new ConsumeBatch(i % 5 + 1, $"k{n}", "h"), _clock));
                }
            }
        }

        await using (var system = new Running(Config(2_000), settings))
        {
            var remaining = await Task.WhenAll(keys.Select(async key =>
            {
                var entity = system.Spawn(key, _clock);
                return Assert.IsType<BatchReply.Current>(await system.AskAsync(entity, key, new GetBatch(), _clock)).Batch.Remaining;
            }));
            Assert.Equal(keys.Select((_, i) => 1_000L - (i % 5 + 1) * (i % 7)).ToArray(), remaining);
        }
    }

    private static string Snapshots(string key) => $"SELECT COUNT(*) FROM snapshot WHERE persistence_id = 'batch/{key}'";

    /// <summary>As <c>EngineServices</c> configures storage: default table mapping, the journal table renamed, the host's journal class.</summary>
    private Config Config(int maxRowsInOneRead)
    {
        var sqlite = database.Provider == StorageFactory.SqliteProvider;
        var connection = database.ConnectionString.Replace("\\", "/");
        var provider = sqlite ? "SQLite.MS" : "PostgreSQL.15";
        return ConfigurationFactory.ParseString($$"""
            {{EngineTestConfig.Serialization}}
            akka.persistence {
              journal.plugin = "akka.persistence.journal.sql"
              journal.sql {
                class = "{{typeof(PipelineSqlJournal).FullName}}, {{typeof(PipelineSqlJournal).Assembly.GetName().Name}}"
                connection-string = "{{connection}}"
                provider-name = "{{provider}}"
                table-mapping = default
                default.journal.table-name = event_journal
                parallelism = 1
                recovery-read-max-rows = {{maxRowsInOneRead}}
              }
              snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
              snapshot-store.sql {
                connection-string = "{{connection}}"
                provider-name = "{{provider}}"
                table-mapping = default
              }
            }
            """).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>One actor system on the database, terminated (its journal connections closed) when disposed.</summary>
    private sealed class Running(Config config, EntitySettings settings) : IAsyncDisposable
    {
        private readonly ActorSystem _system = ActorSystem.Create("sql-engine", config);
        private readonly EntityCounters _counters = new();

        public IActorRef Spawn(string key, TimeProvider clock) => _system.ActorOf(FactoryProducer<BatchActor>.Props(
            () => new BatchActor(new BatchBehavior(), key, settings, _counters, clock)));

        public Task<object> AskAsync(IActorRef entity, string key, BatchCommand command, TimeProvider clock) =>
            entity.Ask<object>(new EntityCommand<BatchCommand>(key, command, clock.GetUtcNow().AddMinutes(1)), Wait);

        public async ValueTask DisposeAsync() => await _system.Terminate();
    }
}
