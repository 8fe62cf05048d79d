using Microsoft.Data.Sqlite;

namespace Pipeline.Actors.Persistence.Sqlite.Views;

/// <summary>Writes the rows of one view type: one statement, prepared once per transaction and run per view.</summary>
internal interface ISqliteRows
{
    Type ViewType { get; }

    string Sql { get; }

    void Bind(SqliteParameterCollection parameters, object view);
}

internal abstract class SqliteRows<TView> : ISqliteRows
{
    public Type ViewType => typeof(TView);

    public abstract string Sql { get; }

    public void Bind(SqliteParameterCollection parameters, object view) => Bind(parameters, (TView)view);

    protected abstract void Bind(SqliteParameterCollection parameters, TView view);

    /// <summary>Sets a parameter of the reused command, adding it on first use; null becomes SQL NULL.</summary>
    protected static void Set(SqliteParameterCollection parameters, string name, object? value)
    {
        var index = parameters.IndexOf(name);
        if (index < 0) parameters.AddWithValue(name, value ?? DBNull.Value);
        else parameters[index].Value = value ?? DBNull.Value;
    }
}
