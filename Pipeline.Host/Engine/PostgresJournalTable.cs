using Akka.Persistence.Sql.Config;
using Npgsql;

namespace Pipeline.Host.Engine;

/// <summary>What the journal's own PostgreSQL statements (<see cref="PostgresJournalWriter"/>, <see cref="PostgresRecoveryReader"/>) share.</summary>
internal static class PostgresJournalTable
{
    /// <summary>The journal table's name as Akka.Persistence.Sql maps it, with its schema when one is set.</summary>
    public static string Name(JournalTableConfig tables) =>
        string.IsNullOrEmpty(tables.SchemaName) ? tables.EventJournalTable.Name : $"{tables.SchemaName}.{tables.EventJournalTable.Name}";

    /// <summary>
    /// A data source of at most <paramref name="maxConnections"/>: its statement loops are its only users, and a larger
    /// pool would only hold idle server connections.
    /// </summary>
    public static NpgsqlDataSource DataSource(string connectionString, int maxConnections)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.MaxPoolSize = Math.Min(builder.ConnectionStringBuilder.MaxPoolSize, maxConnections);
        return builder.Build();
    }
}
