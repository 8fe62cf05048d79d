using Npgsql;
using Pipeline.Actors.Persistence;

namespace Pipeline.Tests.Storage;

/// <summary>
/// A fresh, empty database for one test class, on the storage a test subclass names. Every storage test
/// is written once against this and run on both engines.
/// </summary>
public abstract class TestDatabase : IAsyncLifetime
{
    public abstract string Provider { get; }

    public string ConnectionString { get; protected set; } = "";

    /// <summary>A storage on this database with the schema applied.</summary>
    public async Task<IStorage> OpenStorageAsync()
    {
        var storage = StorageFactory.Create(Provider, ConnectionString);
        await storage.Migrator.MigrateAsync();
        return storage;
    }

    /// <summary>Runs raw SQL on this database and returns the first column of the first row (for checks the storage API does not offer).</summary>
    public abstract Task<long> ScalarAsync(string sql);

    /// <summary>Holds every write to the entities' journal (<c>event_journal</c>) until the result is disposed.</summary>
    public abstract Task<IAsyncDisposable> HoldJournalWritesAsync();

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    public static TestDatabase For(string provider) => provider switch
    {
        StorageFactory.SqliteProvider => new SqliteTestDatabase(),
        StorageFactory.PostgresProvider => new PostgresTestDatabase(),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, null),
    };
}

public sealed class SqliteTestDatabase : TestDatabase
{
    private string _directory = "";

    public override string Provider => StorageFactory.SqliteProvider;

    public override Task InitializeAsync()
    {
        _directory = Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        ConnectionString = $"Data Source={Path.Combine(_directory, "pipeline.db")}";
        return Task.CompletedTask;
    }

    public override async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>SQLite has one writer: an open IMMEDIATE transaction holds every other write (they wait on the busy timeout).</summary>
    public override async Task<IAsyncDisposable> HoldJournalWritesAsync()
    {
        var connection = new Microsoft.Data.Sqlite.SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        var transaction = connection.BeginTransaction(deferred: false);
        return new Held(async () =>
        {
            await transaction.RollbackAsync();
            await connection.DisposeAsync();
        });
    }

    public override Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } // best effort: temp space
        return Task.CompletedTask;
    }
}

/// <summary>
/// A throwaway database in the PostgreSQL cluster named by <c>PIPELINE_TEST_POSTGRES</c> (which the
/// README's test command starts). Without it the test fails: a skipped storage is an untested one.
/// </summary>
public sealed class PostgresTestDatabase : TestDatabase
{
    public const string EnvironmentVariable = "PIPELINE_TEST_POSTGRES";

    private string _adminConnectionString = "";
    private string _name = "";

    public override string Provider => StorageFactory.PostgresProvider;

    public override async Task InitializeAsync()
    {
        _adminConnectionString = Environment.GetEnvironmentVariable(EnvironmentVariable)
            ?? throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set: run the tests with ./test.sh, which starts a throwaway PostgreSQL, " +
                $"or set it to a connection string of a PostgreSQL database this user may create databases from.");
        _name = "pipeline_test_" + Guid.NewGuid().ToString("N");
        await using (var admin = new NpgsqlConnection(_adminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {_name}", admin);
            await create.ExecuteNonQueryAsync();
        }
        ConnectionString = new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = _name, MaxPoolSize = 100 }.ToString();
    }

    public override async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A lock that conflicts with the journal's inserts (not with reads), held in an open transaction.</summary>
    public override async Task<IAsyncDisposable> HoldJournalWritesAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand("LOCK TABLE event_journal IN SHARE ROW EXCLUSIVE MODE", connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }
        return new Held(async () =>
        {
            await transaction.RollbackAsync();
            await connection.DisposeAsync();
        });
    }

    public override async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(_adminConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}

/// <summary>Runs its release once, when disposed.</summary>
internal sealed class Held(Func<Task> release) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await release();
}
