using Pipeline.Actors.Cluster;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>
/// Leases on SQLite: one statement behind the write gate. A SQLite file has one process (<see cref="SqliteDatabaseLock"/>),
/// so the lease never has a rival here; it exists so the resolver's configuration, and this contract, are the same on
/// both storages.
/// </summary>
internal sealed class SqliteLeaseStore(SqliteConnectionFactory connections, TimeProvider time) : ILeaseStore
{
    private const string AcquireSql = """
        INSERT INTO leases (name, owner, expires_at) VALUES ($name, $owner, $until)
        ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE leases.owner = excluded.owner OR leases.expires_at < $now OR leases.owner = $from
        RETURNING owner
        """;

    public async Task<bool> TryAcquireAsync(string name, string owner, TimeSpan ttl, string? takeOverFrom = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        await connections.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow(); // once the gate is held, so a wait behind other writers cannot make it stale
            await using var command = SqliteQuery.Command(connection, null, AcquireSql,
                ("$name", name), ("$owner", owner), ("$now", SqliteTime.Format(now)), ("$until", SqliteTime.Format(now + ttl)), ("$from", takeOverFrom));
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
        }
        finally
        {
            connections.WriteGate.Release();
        }
    }

    public async Task<string?> HolderAsync(string name, CancellationToken cancellationToken = default) =>
        await SqliteQuery.SingleOrDefaultAsync(connections, "SELECT owner FROM leases WHERE name = $name", [("$name", name)],
            reader => reader.GetString(0), cancellationToken).ConfigureAwait(false);

    public Task ReleaseAsync(string name, string owner, CancellationToken cancellationToken = default) =>
        SqliteQuery.WriteAsync(connections, "DELETE FROM leases WHERE name = $name AND owner = $owner",
            [("$name", name), ("$owner", owner)], cancellationToken);
}
