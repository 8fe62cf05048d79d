using Microsoft.Data.Sqlite;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>
/// Makes one process the only node on a SQLite database: an exclusive OS lock on <c>&lt;database&gt;.lock</c> beside the
/// file, held until disposed (or until the process dies: the OS drops the lock, so a killed node never leaves a stale
/// one). Two processes on one file would each be a cluster of one and both own every entity; the second is refused at
/// start-up instead, with a message naming the file.
/// </summary>
/// <remarks>
/// A separate lock file rather than SQLite's own locking: SQLite locks per transaction and lets many connections share
/// the file, which is exactly what must not happen here. The lock file is left in place on dispose: deleting it would
/// let a process that opened the old file and one that creates a new one both believe they hold the lock.
/// </remarks>
public sealed class SqliteDatabaseLock : IDisposable
{
    private readonly FileStream? _file;

    private SqliteDatabaseLock(string? lockPath, FileStream? file)
    {
        LockPath = lockPath;
        _file = file;
    }

    /// <summary>The lock file held, or null for an in-memory database (nothing another process could share).</summary>
    public string? LockPath { get; }

    /// <summary>Takes the lock of the database the connection string names; throws if another holder has it.</summary>
    /// <exception cref="InvalidOperationException">Another process (or another host in this one) has the database open.</exception>
    public static SqliteDatabaseLock Acquire(string connectionString)
    {
        var settings = new SqliteConnectionStringBuilder(connectionString);
        if (settings.Mode == SqliteOpenMode.Memory || settings.DataSource is "" or ":memory:")
        {
            return new SqliteDatabaseLock(null, null);
        }
        var database = Path.GetFullPath(settings.DataSource);
        var lockPath = database + ".lock";
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        try
        {
            // FileShare.None is an exclusive flock on Unix and a share-mode lock on Windows: both are per open file,
            // so a second open in this same process is refused too.
            var file = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new SqliteDatabaseLock(lockPath, file);
        }
        catch (IOException error)
        {
            throw new InvalidOperationException(
                $"The SQLite database {database} is in use by another Pipeline node (its lock file {lockPath} is held). " +
                "SQLite runs a single node: stop the other process, point this one at another file " +
                "(Pipeline:Storage:ConnectionString), or use PostgreSQL (Pipeline:Storage:Provider = Postgres) to run several nodes.",
                error);
        }
    }

    public void Dispose() => _file?.Dispose();
}
