using Npgsql;
using NpgsqlTypes;

namespace Pipeline.Actors.Persistence.Postgres;

/// <summary>
/// Building blocks of the one-round-trip writes: statements for an <see cref="NpgsqlBatch"/> (run as one implicit
/// transaction) whose rows travel as array parameters, unpacked with <c>unnest</c>.
/// </summary>
internal static class PostgresBatchCommands
{
    internal static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    internal static NpgsqlParameter<T[]> Array<T>(IEnumerable<T> values) => new() { TypedValue = values.ToArray() };

    internal static NpgsqlParameter Jsonb(IEnumerable<string> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb };
}
