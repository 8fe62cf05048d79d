using System.Collections.Frozen;
using Microsoft.Data.Sqlite;
using Pipeline.Actors.Persistence.Sqlite.Views;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>Writes the read-side rows that entities project, inside the journal's transaction, in the order given.</summary>
internal static class SqliteViewWriter
{
    private static readonly FrozenDictionary<Type, ISqliteRows> Writers = new ISqliteRows[]
    {
        new BatchRows(), new EventRows(), new MemberRows(), new RegistrationRows(), new OrderRows(), new PaymentRows(),
        new WebhookEndpointRows(),
    }.ToFrozenDictionary(w => w.ViewType);

    public static async Task WriteAsync(SqliteConnection connection, SqliteTransaction transaction, IEnumerable<object> views, CancellationToken ct)
    {
        var commands = new Dictionary<Type, (ISqliteRows Rows, SqliteCommand Command)>();
        try
        {
            foreach (var view in views)
            {
                var type = view.GetType();
                if (!commands.TryGetValue(type, out var writer))
                {
                    var rows = Writers.GetValueOrDefault(type) ?? throw new NotSupportedException($"No read-side table for {type.Name}.");
                    var command = connection.CreateCommand();
                    command.Transaction = transaction;
                    command.CommandText = rows.Sql;
                    commands.Add(type, writer = (rows, command));
                }
                writer.Rows.Bind(writer.Command.Parameters, view);
                await writer.Command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var (_, command) in commands.Values)
            {
                await command.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
