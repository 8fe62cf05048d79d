using Microsoft.Data.Sqlite;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>Runs one read-side query on its own connection and maps every row.</summary>
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

    public static DateTimeOffset GetTime(this SqliteDataReader reader, int ordinal) => SqliteTime.Parse(reader.GetString(ordinal));

    public static DateTimeOffset? GetNullableTime(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : SqliteTime.Parse(reader.GetString(ordinal));

    public static string? GetNullableString(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
