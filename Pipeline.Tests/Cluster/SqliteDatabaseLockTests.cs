using Pipeline.Actors.Persistence.Sqlite;

namespace Pipeline.Tests.Cluster;

/// <summary>One node per SQLite file: a second holder of the same file is refused, naming it, until the first lets go.</summary>
public sealed class SqliteDatabaseLockTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pipeline-lock-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_second_lock_on_the_same_file_is_refused_with_a_message_naming_it()
    {
        var database = Path.Combine(_directory, "data", "pipeline.db");
        using var first = SqliteDatabaseLock.Acquire($"Data Source={database}");

        var error = Assert.Throws<InvalidOperationException>(() => SqliteDatabaseLock.Acquire($"Data Source={database};Cache=Shared"));

        Assert.Equal(database + ".lock", first.LockPath);
        Assert.Contains(database, error.Message, StringComparison.Ordinal);
        Assert.Contains("Pipeline:Storage:ConnectionString", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_lock_can_be_taken_again_once_disposed()
    {
        var connectionString = $"Data Source={Path.Combine(_directory, "pipeline.db")}";
        SqliteDatabaseLock.Acquire(connectionString).Dispose();

        using var again = SqliteDatabaseLock.Acquire(connectionString);

        Assert.NotNull(again.LockPath);
    }

    [Fact]
    public void Two_files_lock_independently_and_an_in_memory_database_needs_no_lock()
    {
        using var one = SqliteDatabaseLock.Acquire($"Data Source={Path.Combine(_directory, "one.db")}");
        using var two = SqliteDatabaseLock.Acquire($"Data Source={Path.Combine(_directory, "two.db")}");
        using var memory = SqliteDatabaseLock.Acquire("Data Source=:memory:");

        Assert.NotEqual(one.LockPath, two.LockPath);
        Assert.Null(memory.LockPath);
    }
}
