using Pipeline.Actors.Cluster;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>
/// Nodes on SQLite. Times are the <see cref="TimeProvider"/>'s, as ISO text that sorts in time order; the processes
/// sharing one SQLite file share one machine's clock. Writes go through the write gate like every other.
/// </summary>
internal sealed class SqliteNodeRegistry(SqliteConnectionFactory connections, TimeProvider time) : INodeRegistry
{
    private const string Columns = "name, started_at, last_heartbeat, stopped_at, pipelines, in_flight, version, address, cluster_address";

    private const string Values = "$name, $now, $now, NULL, $pipelines, $in_flight, $version, $address, $cluster_address";

    private const string Reported = """
        last_heartbeat = $now, stopped_at = NULL,
        pipelines = excluded.pipelines, in_flight = excluded.in_flight, version = excluded.version, address = excluded.address,
        -- A beat that does not know the cluster address yet (sent before the actor system is up) keeps the recorded one.
        cluster_address = COALESCE(excluded.cluster_address, nodes.cluster_address)
        """;

    private const string JoinSql =
        $"INSERT INTO nodes ({Columns}) VALUES ({Values}) ON CONFLICT (name) DO UPDATE SET started_at = $now, {Reported}";

    private const string HeartbeatSql = $"INSERT INTO nodes ({Columns}) VALUES ({Values}) ON CONFLICT (name) DO UPDATE SET {Reported}";

    private const string LeaveSql = "UPDATE nodes SET stopped_at = $now, in_flight = '{}' WHERE name = $name";

    private const string ListSql = """
        SELECT name, stopped_at IS NULL AND last_heartbeat >= $since, started_at, last_heartbeat, stopped_at,
               pipelines, in_flight, version, address, cluster_address
          FROM nodes
         ORDER BY name
        """;

    public Task JoinAsync(NodeHeartbeat node, CancellationToken cancellationToken = default) =>
        WriteAsync(JoinSql, Parameters(node), cancellationToken);

    public Task HeartbeatAsync(NodeHeartbeat node, CancellationToken cancellationToken = default) =>
        WriteAsync(HeartbeatSql, Parameters(node), cancellationToken);

    public async Task<bool> LeaveAsync(string name, CancellationToken cancellationToken = default) =>
        await WriteAsync(LeaveSql, [("$name", name)], cancellationToken).ConfigureAwait(false) == 1;

    public async Task<IReadOnlyList<NodeRecord>> ListAsync(TimeSpan goneAfter, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(goneAfter, TimeSpan.Zero);
        var since = SqliteTime.Format(time.GetUtcNow() - goneAfter);
        return await SqliteQuery.ListAsync(connections, ListSql, [("$since", since)], r => new NodeRecord(
            r.GetString(0),
            r.GetBoolean(1) ? NodeStatus.Up : NodeStatus.Gone,
            r.GetTime(2),
            r.GetTime(3),
            r.GetNullableTime(4),
            NodeJson.ReadPipelines(r.GetString(5)),
            NodeJson.ReadInFlight(r.GetString(6)),
            r.GetNullableString(7),
            r.GetNullableString(8),
            r.GetNullableString(9)), cancellationToken).ConfigureAwait(false);
    }

    private static (string, object?)[] Parameters(NodeHeartbeat node) =>
    [
        ("$name", node.Name), ("$pipelines", NodeJson.Pipelines(node.Pipelines)), ("$in_flight", NodeJson.InFlight(node.InFlight)),
        ("$version", node.Version), ("$address", node.Address), ("$cluster_address", node.ClusterAddress),
    ];

    private async Task<int> WriteAsync(string sql, IEnumerable<(string Name, object? Value)> parameters, CancellationToken ct)
    {
        await connections.WriteGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await using var connection = await connections.OpenAsync(ct).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }
            // Timed after the gate is taken, so a wait behind other writers cannot make "now" stale.
            command.Parameters.AddWithValue("$now", SqliteTime.Format(time.GetUtcNow()));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            connections.WriteGate.Release();
        }
    }
}
