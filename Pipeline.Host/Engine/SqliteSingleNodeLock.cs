using Microsoft.Extensions.Options;
using Pipeline.Actors.Persistence;
using Pipeline.Actors.Persistence.Sqlite;
using Pipeline.Host.Configuration;

namespace Pipeline.Host.Engine;

/// <summary>
/// On SQLite, takes the database's single-node lock before anything else starts (<see cref="SqliteDatabaseLock"/>): a
/// second process on the same file would be a second owner of every entity, so it fails at start-up naming the file.
/// </summary>
internal sealed class SqliteSingleNodeLock(IOptions<StorageOptions> storage) : IHostedService, IDisposable
{
    private SqliteDatabaseLock? _lock;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (storage.Value.Provider.Equals(StorageFactory.SqliteProvider, StringComparison.OrdinalIgnoreCase))
        {
            _lock = SqliteDatabaseLock.Acquire(storage.Value.ConnectionString);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _lock?.Dispose();
}
