using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using Akka.Persistence.Sql.Db;
using Akka.Persistence.Sql.Journal;
using Akka.Persistence.Sql.Journal.Types;
using LinqToDB;
using LinqToDB.Async;
using AkkaConfig = Akka.Configuration.Config;

namespace Pipeline.Host.Engine;

/// <summary>
/// Akka.Persistence.Sql's journal with two short cuts: an entity's recovery in one read, and on PostgreSQL each write in
/// one prepared statement (<see cref="PostgresJournalWriter"/>) and the recovery reads of every entity recovering at
/// once in one statement (<see cref="PostgresRecoveryReader"/>). Deletes, long replays and the query side are
/// Akka.Persistence.Sql's own; on SQLite so are the writes.
/// </summary>
/// <remarks>
/// Akka's journal recovers an entity with two calls, the highest sequence number and then the replay. Akka.Persistence.Sql
/// runs each inside a transaction (BEGIN with the query, then COMMIT: two round trips) and replays through two
/// materialized streams, so a cold entity cost four round trips and two stream start-ups before its first command: a
/// confirmation of a passivated registration ran at a fraction of a warm one. Here the highest-number call reads the
/// entity's events themselves (events past the snapshot, in order; the last one's number is the highest) with no
/// transaction (a single SELECT sees one snapshot anyway), and the replay that Akka makes next hands those rows out. A
/// journaled event never changes (the unique key on persistence id + sequence number, and nothing deletes events here),
/// so rows read a moment earlier are the rows the replay would read. An entity with more events past its snapshot than
/// one read holds falls back to Akka.Persistence.Sql's paged replay.
/// </remarks>
public sealed class PipelineSqlJournal : SqlWriteJournal
{
    /// <summary>
    /// More rows than this past the snapshot (<c>recovery-read-max-rows</c>, default 2,000): the replay pages through them
    /// as Akka.Persistence.Sql does, so a long history is never held whole.
    /// </summary>
    private readonly int _maxRowsInOneRead;

    private readonly AkkaPersistenceDataConnectionFactory _connections;
    private readonly Akka.Serialization.Serialization _serialization = Context.System.Serialization;

    // Writes in flight per entity: the highest number is read after them, as Akka.Persistence.Sql does.
    private readonly ConcurrentDictionary<string, Task> _writes = new();

    // Rows the highest-number read found, for the replay Akka makes right after it.
    private readonly ConcurrentDictionary<string, ReadAhead> _readAhead = new();

    public PipelineSqlJournal(AkkaConfig journalConfig) : base(journalConfig)
    {
        var config = new JournalConfig(journalConfig.WithFallback(SqlPersistence.DefaultJournalConfiguration));
        // The hosting extension hands its DataOptions over as a setup keyed by plugin id, as the base class reads them.
        var setup = Context.System.Settings.Setup.Get<MultiDataOptionsSetup>();
        if (config.PluginId is not null && setup.HasValue && setup.Value.TryGetDataOptionsFor(config.PluginId, out var options) && options is not null)
        {
            config = config.WithDataOptions(options);
        }
        _connections = new AkkaPersistenceDataConnectionFactory(config);
        _maxRowsInOneRead = journalConfig.GetInt("recovery-read-max-rows", 2_000);
        var connection = config.DataOptions?.ConnectionOptions;
        var provider = connection?.ProviderName ?? config.ProviderName;
        var connectionString = connection?.ConnectionString ?? config.ConnectionString;
        if (!provider.StartsWith("PostgreSQL", StringComparison.Ordinal) || string.IsNullOrEmpty(connectionString))
        {
            return; // SQLite: Akka.Persistence.Sql's writes, and the one-query recovery read
        }
        if (journalConfig.GetBoolean("single-statement-writes", true))
        {
            _postgres = new PostgresJournalWriter(connectionString, config.TableConfig, _serialization, config.DefaultSerializer);
        }
        if (journalConfig.GetBoolean("grouped-recovery-reads", true))
        {
            _postgresReads = new PostgresRecoveryReader(connectionString, config.TableConfig, _maxRowsInOneRead + 1);
        }
    }

    /// <summary>The PostgreSQL write path; null on SQLite, or with <c>single-statement-writes = off</c>.</summary>
    private readonly PostgresJournalWriter? _postgres;

    /// <summary>The PostgreSQL recovery read; null on SQLite, or with <c>grouped-recovery-reads = off</c>.</summary>
    private readonly PostgresRecoveryReader? _postgresReads;

    protected override void PostStop()
    {
        base.PostStop();
        // Not waited for here: blocking the actor's thread on the statements still in flight took a pool thread from
        // the very continuations that finish them. They end on their own, each answering its own requests.
        _ = CloseAsync(_postgres, _postgresReads, Context.GetLogger());
    }

    private static async Task CloseAsync(PostgresJournalWriter? writer, PostgresRecoveryReader? reader, ILoggingAdapter log)
    {
        try
        {
            if (writer is not null)
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }
            if (reader is not null)
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception error)
        {
            log.Warning(error, "Closing the journal's PostgreSQL connections failed");
        }
    }

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var list = messages as IReadOnlyList<AtomicWrite> ?? messages.ToList();
        var write = _postgres is null ? base.WriteMessagesAsync(list, cancellationToken) : _postgres.WriteAsync(list, cancellationToken)!;
        var persistenceId = list[0].PersistenceId;
        _readAhead.TryRemove(persistenceId, out _);
        _writes[persistenceId] = write;
        write.ContinueWith(
            done => _writes.TryRemove(KeyValuePair.Create(persistenceId, (Task)done)),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return write;
    }

    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        if (_writes.TryGetValue(persistenceId, out var write))
        {
            // Succeeded or failed, it is over: its rows (or their absence) are what the read must see.
            await write.ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        var rows = _postgresReads is null
            ? await ReadOneAsync(persistenceId, fromSequenceNr, cancellationToken)
            : await _postgresReads.ReadAsync(persistenceId, fromSequenceNr, cancellationToken);
        if (rows.Count == 0)
        {
            return 0;
        }
        if (rows.Count > _maxRowsInOneRead || rows.Exists(r => r.Identifier is null))
        {
            // Too long to hold, or written without a serializer id (not by this service): Akka.Persistence.Sql's way.
            return await base.ReadHighestSequenceNrAsync(persistenceId, fromSequenceNr, cancellationToken);
        }
        _readAhead[persistenceId] = new ReadAhead(fromSequenceNr, rows);
        return rows[^1].SequenceNumber;
    }

    /// <summary>The entity's rows past <paramref name="fromSequenceNr"/> through linq2db, one query (SQLite).</summary>
    private async Task<List<JournalRow>> ReadOneAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        await using var connection = _connections.GetConnection();
        return await connection.GetTable<JournalRow>()
            .Where(r => r.PersistenceId == persistenceId && r.SequenceNumber > fromSequenceNr)
            .OrderBy(r => r.SequenceNumber)
            .Take(_maxRowsInOneRead + 1)
            .ToListAsync(cancellationToken);
    }

    public override Task ReplayMessagesAsync(
        IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<IPersistentRepresentation> recoveryCallback)
    {
        // Rows read ahead cover every number after their read's start up to their last one: use them when the replay
        // asks for no more than that.
        if (!_readAhead.TryRemove(persistenceId, out var ahead) || fromSequenceNr <= ahead.After || toSequenceNr > ahead.Rows[^1].SequenceNumber)
        {
            return base.ReplayMessagesAsync(context, persistenceId, fromSequenceNr, toSequenceNr, max, recoveryCallback);
        }
        long replayed = 0;
        foreach (var row in ahead.Rows)
        {
            if (replayed >= max || row.SequenceNumber > toSequenceNr)
            {
                break;
            }
            if (row.SequenceNumber < fromSequenceNr || row.Deleted)
            {
                continue;
            }
            recoveryCallback(ToRepresentation(row));
            replayed++;
        }
        return Task.CompletedTask;
    }

    /// <summary>As Akka.Persistence.Sql's serializer reads a row written with a serializer id.</summary>
    private Persistent ToRepresentation(JournalRow row) => new(
        payload: _serialization.Deserialize(row.Message, row.Identifier!.Value, row.Manifest),
        sequenceNr: row.SequenceNumber,
        persistenceId: row.PersistenceId,
        manifest: row.EventManifest ?? row.Manifest,
        isDeleted: row.Deleted,
        sender: ActorRefs.NoSender,
        writerGuid: row.WriterUuid,
        timestamp: row.Timestamp);

    /// <param name="After">The read took every row numbered above this.</param>
    private sealed record ReadAhead(long After, List<JournalRow> Rows);
}
