using System.Data.Common;
using LinqToDB.Interceptors;

namespace Pipeline.Host.Engine;

/// <summary>
/// Gives the journal's SQLite connections a busy timeout, as the storage's own connections have. Without it a journal
/// write that meets another writer (the projection, the work queue) gets SQLITE_BUSY, and Microsoft.Data.Sqlite's
/// managed retry sleeps 150 ms before trying again: p90 of hot consumes near 150 ms. SQLite's own busy handler waits
/// in steps of a few milliseconds instead.
/// </summary>
internal sealed class SqliteBusyTimeout : ConnectionInterceptor
{
    public static readonly SqliteBusyTimeout Instance = new();

    private const string Pragma = "PRAGMA busy_timeout = 10000;";

    public override void ConnectionOpened(ConnectionEventData eventData, DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
