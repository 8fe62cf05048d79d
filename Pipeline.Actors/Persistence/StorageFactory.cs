using Pipeline.Actors.Persistence.Postgres;
using Pipeline.Actors.Persistence.Sqlite;

namespace Pipeline.Actors.Persistence;

public static class StorageFactory
{
    public const string SqliteProvider = "Sqlite";
    public const string PostgresProvider = "Postgres";

    public static IStorage Create(string provider, string connectionString) => provider switch
    {
        _ when provider.Equals(SqliteProvider, StringComparison.OrdinalIgnoreCase) => new SqliteStorage(connectionString),
        _ when provider.Equals(PostgresProvider, StringComparison.OrdinalIgnoreCase) => new PostgresStorage(connectionString),
        _ => throw new ArgumentException($"Unknown storage provider '{provider}': use '{SqliteProvider}' or '{PostgresProvider}'.", nameof(provider)),
    };
}
