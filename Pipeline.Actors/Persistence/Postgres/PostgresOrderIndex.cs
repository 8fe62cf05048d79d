using Npgsql;
using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Actors.Persistence.Postgres;

/// <summary>
/// The orders placed at the same moment written in one statement (a group commit, the projection's own insert of
/// order rows): under load a placement costs a share of one round trip.
/// </summary>
internal sealed class PostgresOrderIndex : IOrderIndex, IAsyncDisposable
{
    private const int MaxBatch = 256;

    private readonly NpgsqlDataSource _dataSource;
    private readonly GroupedStatements<OrderView, bool> _writes;

    public PostgresOrderIndex(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _writes = new(loops: 1, MaxBatch, WriteBatchAsync);
    }

    // Not cancelled once queued: the statement may already be on its way.
    public Task AddAsync(OrderView order, CancellationToken cancellationToken = default) =>
        _writes.RunAsync(order).WaitAsync(cancellationToken);

    public ValueTask DisposeAsync() => _writes.DisposeAsync();

    private async Task<IReadOnlyList<bool>> WriteBatchAsync(IReadOnlyList<OrderView> orders)
    {
        await using var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        PostgresViewWriter.AddTo(batch, orders);
        await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
        return [.. orders.Select(_ => true)];
    }
}
