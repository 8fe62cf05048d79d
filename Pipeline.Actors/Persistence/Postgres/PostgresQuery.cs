using Npgsql;

namespace Pipeline.Actors.Persistence.Postgres;

/// <summary>Runs one read-side query and maps every row.</summary>
internal static class PostgresQuery
{
    public static async Task<List<T>> ListAsync<T>(NpgsqlDataSource dataSource, string sql, IEnumerable<NpgsqlParameter> parameters,
        Func<NpgsqlDataReader, T> read, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters.ToArray());
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            rows.Add(read(reader));
        }
        return rows;
    }

    public static async Task<T?> SingleOrDefaultAsync<T>(NpgsqlDataSource dataSource, string sql, IEnumerable<NpgsqlParameter> parameters,
        Func<NpgsqlDataReader, T> read, CancellationToken ct) where T : class =>
        (await ListAsync(dataSource, sql, parameters, read, ct).ConfigureAwait(false)).SingleOrDefault();

    public static NpgsqlParameter<T> Value<T>(T value) => new() { TypedValue = value };

    public static DateTimeOffset GetTime(this NpgsqlDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    public static DateTimeOffset? GetNullableTime(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    public static string? GetNullableString(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
