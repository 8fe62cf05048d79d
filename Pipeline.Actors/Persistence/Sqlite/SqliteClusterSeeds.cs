using Pipeline.Actors.Cluster;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>
/// Seeds on SQLite: one IMMEDIATE transaction (the file's write lock) behind the write gate. With the database file
/// locked by its process (<see cref="SqliteDatabaseLock"/>) the only other rows are earlier runs of this node or
/// rows a test wrote, but the rule is the same as on PostgreSQL, so the contract is one.
/// </summary>
internal sealed class SqliteClusterSeeds(SqliteConnectionFactory connections, TimeProvider time) : IClusterSeeds
{
    private const string EnterSql = """
        INSERT INTO nodes (name, started_at, last_heartbeat, stopped_at, cluster_address, cluster_seat)
        VALUES ($name, $now, $now, NULL, $address, (SELECT COALESCE(max(cluster_seat), 0) + 1 FROM nodes))
        ON CONFLICT (name) DO UPDATE SET
            last_heartbeat = $now, stopped_at = NULL, cluster_address = excluded.cluster_address,
            cluster_seat = CASE WHEN $keep AND nodes.cluster_seat IS NOT NULL THEN nodes.cluster_seat ELSE excluded.cluster_seat END
        RETURNING cluster_seat
        """;

    private const string AheadSql = """
        SELECT cluster_address
          FROM nodes
         WHERE name <> $name AND cluster_address IS NOT NULL AND cluster_seat < $seat
           AND stopped_at IS NULL AND last_heartbeat >= $since
         ORDER BY cluster_seat
        """;

    public async Task<IReadOnlyList<string>> EnterAsync(string name, string clusterAddress, bool keepPlace, TimeSpan goneAfter,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(goneAfter, TimeSpan.Zero);
        await connections.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = connection.BeginTransaction(deferred: false);
            // Timed once the lock is held, so a wait behind other writers cannot make "now" stale.
            var now = time.GetUtcNow();
            long seat;
            await using (var enter = SqliteQuery.Command(connection, transaction, EnterSql,
                ("$name", name), ("$now", SqliteTime.Format(now)), ("$address", clusterAddress), ("$keep", keepPlace)))
            {
                seat = (long)(await enter.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }

            var ahead = new List<string>();
            await using (var select = SqliteQuery.Command(connection, transaction, AheadSql,
                ("$name", name), ("$seat", seat), ("$since", SqliteTime.Format(now - goneAfter))))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    ahead.Add(reader.GetString(0));
                }
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return ahead;
        }
        finally
        {
            connections.WriteGate.Release();
        }
    }
}
