using LinqToDB.Data;
using Pipeline.Host.Engine;

namespace Pipeline.Tests.Actors.Engine;

/// <summary>The journal's connections as the host configures them (Akka.Persistence.Sql opens them through linq2db).</summary>
public sealed class JournalConnectionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pipeline-journal-connection-").FullName;

    [Fact]
    public async Task The_journals_SQLite_connections_wait_out_another_writer_in_SQLite_instead_of_failing_busy()
    {
        await using var connection = new DataConnection(
            EngineServices.JournalDataOptions(sqlite: true, $"Data Source={Path.Combine(_directory, "pipeline.db")}"));

        Assert.Equal(10_000, await connection.ExecuteAsync<long>("PRAGMA busy_timeout"));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
