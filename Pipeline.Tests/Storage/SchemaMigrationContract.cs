using Pipeline.Actors.Outbox;
using Pipeline.Actors.Persistence;

namespace Pipeline.Tests.Storage;

/// <summary>
/// What every schema migrator must do: apply each embedded script once, however many nodes start at once. Each test
/// migrates a fresh database of its own.
/// </summary>
public abstract class SchemaMigrationContract(string provider)
{
    [Fact]
    public async Task Migrations_are_idempotent()
    {
        await using var fresh = await FreshDatabaseAsync();
        await using var storage = StorageFactory.Create(provider, fresh.Database.ConnectionString);

        var first = await storage.Migrator.MigrateAsync();
        var second = await storage.Migrator.MigrateAsync();

        Assert.Equal(ScriptVersions(), first);
        Assert.Empty(second);
        Assert.Equal(ScriptVersions().Count, await fresh.Database.ScalarAsync("SELECT COUNT(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Five_nodes_migrating_one_database_at_once_apply_each_version_once()
    {
        await using var fresh = await FreshDatabaseAsync();
        var storages = Enumerable.Range(0, 5).Select(_ => StorageFactory.Create(provider, fresh.Database.ConnectionString)).ToList();
        try
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var runs = storages.Select(s => Task.Run(async () => { await start.Task; return await s.Migrator.MigrateAsync(); })).ToList();
            start.SetResult();
            var applied = await Task.WhenAll(runs);

            Assert.Equal(ScriptVersions(), applied.SelectMany(v => v).Order());
            Assert.Equal(ScriptVersions().Count, await fresh.Database.ScalarAsync("SELECT COUNT(*) FROM schema_migrations"));
            var message = new OutboxMessage("test/after-migration", "test.happened", "test/entity", "{}", DateTimeOffset.UnixEpoch);
            await storages[^1].SeedAsync([], [message]);
            Assert.Equal(message, Assert.Single(await storages[0].Outbox.ReadAfterAsync(0, 10)).Message);
        }
        finally
        {
            foreach (var storage in storages) await storage.DisposeAsync();
        }
    }

    /// <summary>0009 drops the hand-written runtime's <c>journal</c>; Akka's <c>event_journal</c> is not the schema's to touch.</summary>
    [Fact]
    public async Task The_old_journal_table_is_gone_after_migrating()
    {
        await using var fresh = await FreshDatabaseAsync();
        await using var storage = await fresh.Database.OpenStorageAsync();

        var sql = provider == StorageFactory.SqliteProvider
            ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'journal'"
            : "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'journal'";
        Assert.Equal(0, await fresh.Database.ScalarAsync(sql));
    }

    private IReadOnlyList<int> ScriptVersions() =>
        MigrationScript.Load($"Persistence.{provider}.Migrations").Select(s => s.Version).ToList();

    private async Task<FreshDatabase> FreshDatabaseAsync()
    {
        var fresh = TestDatabase.For(provider);
        await fresh.InitializeAsync();
        return new FreshDatabase(fresh);
    }

    private sealed record FreshDatabase(TestDatabase Database) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await Database.DisposeAsync();
    }
}

public sealed class SqliteSchemaMigrationTests() : SchemaMigrationContract(StorageFactory.SqliteProvider);

public sealed class PostgresSchemaMigrationTests() : SchemaMigrationContract(StorageFactory.PostgresProvider);
