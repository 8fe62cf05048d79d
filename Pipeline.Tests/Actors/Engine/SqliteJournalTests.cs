using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;
using Pipeline.Actors.Engine;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Tests.Support;
using BatchActor = Pipeline.Actors.Engine.EntityActor<
    Pipeline.Actors.Entities.Batches.BatchState, Pipeline.Actors.Entities.Batches.BatchCommand,
    Pipeline.Actors.Entities.Batches.BatchEvent, Pipeline.Actors.Entities.Batches.BatchReply>;

namespace Pipeline.Tests.Actors.Engine;

/// <summary>The entity on real storage: Akka.Persistence.Sql on a SQLite file, configured as the host configures it.</summary>
public sealed class SqliteJournalTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly string _directory = Directory.CreateTempSubdirectory("pipeline-engine-sqlite-").FullName;
    private readonly ManualTimeProvider _clock = new();

    [Fact]
    public async Task An_entity_journaled_to_SQLite_recovers_its_state_in_a_new_actor_system()
    {
        var file = Path.Combine(_directory, "pipeline.db");
        BatchView before;
        await using (var system = new Running(Config(file)))
        {
            var entity = system.Spawn("q1", _clock);
            Assert.IsType<BatchReply.Created>(await system.AskAsync(entity, "q1", new CreateBatch("sku-q", 10), _clock));
            for (var i = 1; i <= 7; i++)
            {
                Assert.IsType<BatchReply.Consumed>(await system.AskAsync(entity, "q1", new ConsumeBatch(1, $"k{i}", "h"), _clock));
            }
            before = Assert.IsType<BatchReply.Current>(await system.AskAsync(entity, "q1", new GetBatch(), _clock)).Batch;
        }

        await using (var system = new Running(Config(file)))
        {
            var entity = system.Spawn("q1", _clock);
            var after = Assert.IsType<BatchReply.Current>(await system.AskAsync(entity, "q1", new GetBatch(), _clock)).Batch;
            Assert.Equal(before, after);
            Assert.Equal(new BatchView("q1", "sku-q", 10, 3, 8, _clock.GetUtcNow()), after);
            // From a snapshot (taken after event 5) and the journal's tail, keyed consumes included.
            Assert.Equal(new BatchReply.Consumed("q1", 1, 7, 4, Replayed: true), await system.AskAsync(entity, "q1", new ConsumeBatch(1, "k3", "h"), _clock));
            Assert.Equal(new BatchReply.Consumed("q1", 1, 3, 8, Replayed: true), await system.AskAsync(entity, "q1", new ConsumeBatch(1, "k7", "h"), _clock));
        }

        await using var connection = new SqliteConnection($"Data Source={file}");
        await connection.OpenAsync();
        Assert.Equal(8L, await ScalarAsync(connection, "SELECT COUNT(*) FROM event_journal WHERE persistence_id = 'batch/q1'"));
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT COUNT(*) FROM snapshot WHERE persistence_id = 'batch/q1'"));
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    /// <summary>As <c>EngineServices</c> configures storage: default table mapping, the journal table renamed, one write stream.</summary>
    private static Config Config(string file) => ConfigurationFactory.ParseString($$"""
        {{EngineTestConfig.Serialization}}
        akka.persistence {
          journal.plugin = "akka.persistence.journal.sql"
          journal.sql {
            connection-string = "Data Source={{file.Replace("\\", "/")}}"
            provider-name = "SQLite.MS"
            table-mapping = default
            default.journal.table-name = event_journal
            parallelism = 1
          }
          snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
          snapshot-store.sql {
            connection-string = "Data Source={{file.Replace("\\", "/")}}"
            provider-name = "SQLite.MS"
            table-mapping = default
          }
        }
        """).WithFallback(SqlPersistence.DefaultConfiguration);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>One actor system on the file, terminated (its journal connections closed) when disposed.</summary>
    private sealed class Running(Config config) : IAsyncDisposable
    {
        private readonly ActorSystem _system = ActorSystem.Create("sqlite-engine", config);
        private readonly EntityCounters _counters = new();

        public IActorRef Spawn(string key, TimeProvider clock) => _system.ActorOf(FactoryProducer<BatchActor>.Props(
            () => new BatchActor(new BatchBehavior(), key, new EntitySettings(SnapshotEvery: 5), _counters, clock)));

        public Task<object> AskAsync(IActorRef entity, string key, BatchCommand command, TimeProvider clock) =>
            entity.Ask<object>(new EntityCommand<BatchCommand>(key, command, clock.GetUtcNow().AddMinutes(1)), Wait);

        public async ValueTask DisposeAsync() => await _system.Terminate();
    }
}
