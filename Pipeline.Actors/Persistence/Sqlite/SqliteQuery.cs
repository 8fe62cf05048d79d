using Microsoft.Data.Sqlite;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>Small statement helpers shared by the SQLite stores: read queries, commands, one-statement writes.</summary>
internal static class SqliteQuery
{
    public static async Task<List<T>> ListAsync<T>(SqliteConnectionFactory connections, string sql,
        IEnumerable<(string Name, object? Value)> parameters, Func<SqliteDataReader, T> read, CancellationToken ct)
    {
        await using var connection = await connections.OpenAsync(ct).ConfigureAwait(false);
        await using var select = connection.CreateCommand();
        select.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            select.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        var rows = new List<T>();
        await using var reader = await select.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            rows.Add(read(reader));
        }
        return rows;
    }

    public static async Task<T?> SingleOrDefaultAsync<T>(SqliteConnectionFactory connections, string sql,
        IEnumerable<(string Name, object? Value)> parameters, Func<SqliteDataReader, T> read, CancellationToken ct) where T : class =>
        (await ListAsync(connections, sql, parameters, read, ct).ConfigureAwait(false)).SingleOrDefault();

    /// <summary>A command with its parameters (null becomes DBNull), in the transaction when one is given.</summary>
    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql,
        params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return command;
    }

    /// <summary>One write statement under the write gate; returns the rows it changed.</summary>
    public static async Task<int> WriteAsync(SqliteConnectionFactory connections, string sql,
        (string Name, object? Value)[] parameters, CancellationToken ct)
    {
        await connections.WriteGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await using var connection = await connections.OpenAsync(ct).ConfigureAwait(false);
            await using var command = Command(connection, null, sql, parameters);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            connections.WriteGate.Release();
        }
    }

    public static DateTimeOffset GetTime(this SqliteDataReader reader, int ordinal) => SqliteTime.Parse(reader.GetString(ordinal));

    public static DateTimeOffset? GetNullableTime(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : SqliteTime.Parse(reader.GetString(ordinal));

    public static string? GetNullableString(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
