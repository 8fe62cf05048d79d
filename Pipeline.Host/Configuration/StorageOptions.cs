namespace Pipeline.Host.Configuration;

/// <summary><c>Pipeline:Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Pipeline:Storage";

    /// <summary><c>Sqlite</c> (embedded, one node; default) or <c>Postgres</c> (production and clusters).</summary>
    public string Provider { get; set; } = "Sqlite";

    /// <summary>Default: a SQLite file under <c>data/</c> of the working directory.</summary>
    public string ConnectionString { get; set; } = "Data Source=data/pipeline.db";
}
