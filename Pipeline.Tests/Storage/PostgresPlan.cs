using Npgsql;

namespace Pipeline.Tests.Storage;

/// <summary>What PostgreSQL plans for a statement with its parameters bound (a custom plan, as a prepared statement's first executions get).</summary>
internal static class PostgresPlan
{
    public static async Task<string> ExplainAsync(string connectionString, string sql, params NpgsqlParameter[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var explain = new NpgsqlCommand("EXPLAIN " + sql, connection);
        explain.Parameters.AddRange(parameters);
        var plan = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            plan.Add(reader.GetString(0));
        return string.Join('\n', plan);
    }
}
