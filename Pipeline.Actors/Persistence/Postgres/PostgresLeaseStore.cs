using Npgsql;
using Pipeline.Actors.Cluster;
using static Pipeline.Actors.Persistence.Postgres.PostgresQuery;

namespace Pipeline.Actors.Persistence.Postgres;

/// <summary>
/// Leases on PostgreSQL: one statement each. The upsert's condition is evaluated on the row as it is after any
/// concurrent taker commits (ON CONFLICT locks it), so two nodes racing for a free lease cannot both get it. Times are
/// the database's clock, which every node shares.
/// </summary>
internal sealed class PostgresLeaseStore(NpgsqlDataSource dataSource) : ILeaseStore
{
    private const string AcquireSql = """
        INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, clock_timestamp() + $3)
        ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE leases.owner = excluded.owner OR leases.expires_at < clock_timestamp() OR leases.owner = $4
        RETURNING owner
        """;

    public async Task<bool> TryAcquireAsync(string name, string owner, TimeSpan ttl, string? takeOverFrom = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        await using var command = dataSource.CreateCommand(AcquireSql);
        command.Parameters.AddRange(new NpgsqlParameter[] { Value(name), Value(owner), Value(ttl), new NpgsqlParameter<string?> { TypedValue = takeOverFrom, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    public async Task<string?> HolderAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT owner FROM leases WHERE name = $1");
        command.Parameters.Add(Value(name));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    public async Task ReleaseAsync(string name, string owner, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM leases WHERE name = $1 AND owner = $2");
        command.Parameters.AddRange(new NpgsqlParameter[] { Value(name), Value(owner) });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
