using Npgsql;

namespace Pipeline.Actors.Persistence.Postgres.Views;

/// <summary>
/// Writes every row of one view type with array parameters (unnest), in one statement (or a few, each with a snapshot
/// of its own), added to the projection's batch.
/// </summary>
internal interface IPostgresRows
{
    Type ViewType { get; }

    IEnumerable<NpgsqlBatchCommand> Commands(IReadOnlyList<object> views);
}

internal abstract class PostgresRows<TView> : IPostgresRows
{
    public Type ViewType => typeof(TView);

    public IEnumerable<NpgsqlBatchCommand> Commands(IReadOnlyList<object> views) => Commands(views.Cast<TView>().ToList());

    protected virtual IEnumerable<NpgsqlBatchCommand> Commands(IReadOnlyList<TView> rows) => [Command(rows)];

    protected abstract NpgsqlBatchCommand Command(IReadOnlyList<TView> rows);

    /// <summary>The last view of each key, in the order keys first appear: one upsert statement may not touch a row twice.</summary>
    protected static IReadOnlyList<TView> LastPerKey(IReadOnlyList<TView> rows, Func<TView, string> key)
    {
        var last = new Dictionary<string, TView>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            last[key(row)] = row;
        }
        return last.Values.ToList();
    }

    protected static NpgsqlParameter<T[]> Array<T>(IEnumerable<T> values) => PostgresBatchCommands.Array(values);

    protected static NpgsqlParameter<DateTimeOffset[]> Times(IEnumerable<DateTimeOffset> values) =>
        PostgresBatchCommands.Array(values.Select(t => t.ToUniversalTime()));

    protected static NpgsqlParameter<DateTimeOffset?[]> Times(IEnumerable<DateTimeOffset?> values) =>
        PostgresBatchCommands.Array(values.Select(t => t?.ToUniversalTime()));
}
