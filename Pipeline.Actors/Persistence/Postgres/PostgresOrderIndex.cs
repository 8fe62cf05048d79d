using Npgsql;
using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Actors.Persistence.Postgres;

/// <summary>
/// The orders placed at the same moment written in one statement (a group commit, the projection's own insert of
/// order rows), and the orders looked up at the same moment read in one statement: under load a placement or a
/// confirmation's lookup costs a share of one round trip (one lookup a statement was PostgreSQL's most frequent
/// statement and transaction in a confirm run whose orders were no longer cached).
/// </summary>
internal sealed class PostgresOrderIndex : IOrderIndex, IAsyncDisposable
{
    private const int MaxBatch = 256;

    // A lateral lookup per id behind OFFSET 0: as a join, a plan made while the table had no statistics may hash a
    // scan of all of it.
    internal const string FindBatchSql = """
        SELECT i.n, o.order_id, o.registration_id, o.event_id, o.member_id, o.amount, o.currency, o.created_at
          FROM unnest($1::text[]) WITH ORDINALITY AS i(order_id, n)
         CROSS JOIN LATERAL (
            SELECT * FROM orders x WHERE x.order_id = i.order_id OFFSET 0) o
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly GroupedStatements<OrderView, bool> _writes;
    private readonly GroupedStatements<string, OrderView?> _finds;

    public PostgresOrderIndex(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _writes = new(loops: 1, MaxBatch, WriteBatchAsync);
        _finds = new(loops: 2, MaxBatch, FindBatchAsync);
    }

    // Not cancelled once queued: the statement may already be on its way.
    public Task AddAsync(OrderView order, CancellationToken cancellationToken = default) =>
        _writes.RunAsync(order).WaitAsync(cancellationToken);

    /// <summary>The order with this id, or null when none was placed.</summary>
    public Task<OrderView?> FindAsync(string orderId, CancellationToken cancellationToken = default) =>
        _finds.RunAsync(orderId).WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _writes.DisposeAsync().ConfigureAwait(false);
        await _finds.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<bool>> WriteBatchAsync(IReadOnlyList<OrderView> orders)
    {
        await using var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        PostgresViewWriter.AddTo(batch, orders);
        await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
        return [.. orders.Select(_ => true)];
    }

    private async Task<IReadOnlyList<OrderView?>> FindBatchAsync(IReadOnlyList<string> orderIds)
    {
        await using var command = _dataSource.CreateCommand(FindBatchSql);
        command.Parameters.Add(PostgresBatchCommands.Array(orderIds));
        var found = new OrderView?[orderIds.Count];
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            found[reader.GetInt64(0) - 1] = new OrderView(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetInt64(5), reader.GetString(6), reader.GetTime(7));
        }
        return found;
    }
}
