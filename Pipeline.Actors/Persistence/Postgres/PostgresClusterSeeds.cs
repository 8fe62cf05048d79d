using Npgsql;
using Pipeline.Actors.Cluster;
using static Pipeline.Actors.Persistence.Postgres.PostgresQuery;

namespace Pipeline.Actors.Persistence.Postgres;

/// <summary>
/// Seeds on PostgreSQL: one transaction under a fixed advisory lock, so nodes sharing the database take turns. Times
/// are <c>clock_timestamp()</c>, not <c>now()</c>: <c>now()</c> is when the transaction began, which can be a lock wait
/// earlier, and a node waiting its turn must still be judged against the beats recorded while it waited.
/// </summary>
internal sealed class PostgresClusterSeeds(NpgsqlDataSource dataSource) : IClusterSeeds
{
    private const long ClusterLockKey = 0x434C_5553_5445_5253; // "CLUSTERS"; the migrator's key is "PIPELINE"

    private const string EnterSql = """
        INSERT INTO nodes (name, started_at, last_heartbeat, stopped_at, cluster_address, cluster_seat)
        VALUES ($1, clock_timestamp(), clock_timestamp(), NULL, $2, (SELECT COALESCE(max(cluster_seat), 0) + 1 FROM nodes))
        ON CONFLICT (name) DO UPDATE SET
            last_heartbeat = clock_timestamp(), stopped_at = NULL, cluster_address = excluded.cluster_address,
            cluster_seat = CASE WHEN $3 AND nodes.cluster_seat IS NOT NULL THEN nodes.cluster_seat ELSE excluded.cluster_seat END
        RETURNING cluster_seat
        """;

    private const string AheadSql = """
        SELECT cluster_address
          FROM nodes
         WHERE name <> $1 AND cluster_address IS NOT NULL AND cluster_seat < $2
           AND stopped_at IS NULL AND last_heartbeat >= clock_timestamp() - $3
         ORDER BY cluster_seat
        """;

    public async Task<IReadOnlyList<string>> EnterAsync(string name, string clusterAddress, bool keepPlace, TimeSpan goneAfter,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(goneAfter, TimeSpan.Zero);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({ClusterLockKey})", connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        long seat;
        await using (var enter = new NpgsqlCommand(EnterSql, connection, transaction))
        {
            enter.Parameters.AddRange(new NpgsqlParameter[] { Value(name), Value(clusterAddress), Value(keepPlace) });
            seat = (long)(await enter.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var ahead = new List<string>();
        await using (var select = new NpgsqlCommand(AheadSql, connection, transaction))
        {
            select.Parameters.AddRange(new NpgsqlParameter[] { Value(name), Value(seat), Value(goneAfter) });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ahead.Add(reader.GetString(0));
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return ahead;
    }
}
