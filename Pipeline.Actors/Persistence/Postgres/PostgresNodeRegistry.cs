using Npgsql;
using Pipeline.Actors.Cluster;
using static Pipeline.Actors.Persistence.Postgres.PostgresQuery;

namespace Pipeline.Actors.Persistence.Postgres;

/// <summary>Nodes on PostgreSQL: every time is the database's <c>now()</c>, the one clock all nodes share.</summary>
internal sealed class PostgresNodeRegistry(NpgsqlDataSource dataSource) : INodeRegistry
{
    private const string Columns = "name, started_at, last_heartbeat, stopped_at, pipelines, in_flight, version, address, cluster_address";

    private const string Values = "$1, now(), now(), NULL, $2, $3::jsonb, $4, $5, $6";

    private const string Reported = """
        last_heartbeat = now(), stopped_at = NULL,
        pipelines = excluded.pipelines, in_flight = excluded.in_flight, version = excluded.version, address = excluded.address,
        -- A beat that does not know the cluster address yet (sent before the actor system is up) keeps the recorded one.
        cluster_address = COALESCE(excluded.cluster_address, nodes.cluster_address)
        """;

    private const string JoinSql =
        $"INSERT INTO nodes ({Columns}) VALUES ({Values}) ON CONFLICT (name) DO UPDATE SET started_at = now(), {Reported}";

    private const string HeartbeatSql = $"INSERT INTO nodes ({Columns}) VALUES ({Values}) ON CONFLICT (name) DO UPDATE SET {Reported}";

    private const string LeaveSql = "UPDATE nodes SET stopped_at = now(), in_flight = '{}' WHERE name = $1";

    private const string ListSql = """
        SELECT name, stopped_at IS NULL AND last_heartbeat >= now() - $1, started_at, last_heartbeat, stopped_at,
               pipelines, in_flight::text, version, address, cluster_address
          FROM nodes
         ORDER BY name
        """;

    public Task JoinAsync(NodeHeartbeat node, CancellationToken cancellationToken = default) =>
        ExecuteAsync(JoinSql, Parameters(node), cancellationToken);

    public Task HeartbeatAsync(NodeHeartbeat node, CancellationToken cancellationToken = default) =>
        ExecuteAsync(HeartbeatSql, Parameters(node), cancellationToken);

    public async Task<bool> LeaveAsync(string name, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(LeaveSql, [Value(name)], cancellationToken).ConfigureAwait(false) == 1;

    public async Task<IReadOnlyList<NodeRecord>> ListAsync(TimeSpan goneAfter, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(goneAfter, TimeSpan.Zero);
        return await PostgresQuery.ListAsync(dataSource, ListSql, [Value(goneAfter)], r => new NodeRecord(
            r.GetString(0),
            r.GetBoolean(1) ? NodeStatus.Up : NodeStatus.Gone,
            r.GetTime(2),
            r.GetTime(3),
            r.GetNullableTime(4),
            r.GetFieldValue<string[]>(5),
            NodeJson.ReadInFlight(r.GetString(6)),
            r.GetNullableString(7),
            r.GetNullableString(8),
            r.GetNullableString(9)), cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlParameter[] Parameters(NodeHeartbeat node) =>
        [Value(node.Name), Value(node.Pipelines.ToArray()), Value(NodeJson.InFlight(node.InFlight)), Value(node.Version), Value(node.Address), Value(node.ClusterAddress)];

    private async Task<int> ExecuteAsync(string sql, NpgsqlParameter[] parameters, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters);
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
