using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>One order row in its own IMMEDIATE transaction under the write gate: the projection's insert of order rows.</summary>
internal sealed class SqliteOrderIndex(SqliteConnectionFactory connections) : IOrderIndex
{
    public async Task AddAsync(OrderView order, CancellationToken cancellationToken = default)
    {
        await connections.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = connection.BeginTransaction(deferred: false);
            await SqliteViewWriter.WriteAsync(connection, transaction, [order], cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            connections.WriteGate.Release();
        }
    }
}
