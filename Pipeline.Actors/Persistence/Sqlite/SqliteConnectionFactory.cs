using Microsoft.Data.Sqlite;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>
/// Opens pooled connections to one SQLite file with the settings every connection needs. Writes go
/// through <see cref="WriteGate"/>: SQLite has one writer, and waiting on a semaphore is cheaper and
/// fairer than spinning on SQLITE_BUSY.
/// </summary>
internal sealed class SqliteConnectionFactory
{
    private readonly string _connectionString;

    public SqliteConnectionFactory(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString) { Pooling = true };
        if (builder.DataSource is { Length: > 0 } path && path != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
        {
            Directory.CreateDirectory(dir);
        }
        _connectionString = builder.ToString();
    }

    public SemaphoreSlim WriteGate { get; } = new(1, 1);

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var pragma = connection.CreateCommand();
        // WAL lets reads run beside the writer; FULL syncs each commit so an acknowledged write survives power loss.
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;";
        await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }
}
