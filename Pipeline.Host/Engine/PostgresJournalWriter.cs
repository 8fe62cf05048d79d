using System.Collections.Immutable;
using Akka.Persistence;
using Akka.Persistence.Sql.Config;
using Akka.Serialization;
using Akka.Util;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Actors.Persistence;

namespace Pipeline.Host.Engine;

/// <summary>
/// The journal's writes on PostgreSQL as one prepared statement: the rows of the writes waiting go as arrays through
/// <c>INSERT ... SELECT * FROM unnest(...)</c>, in the statement's own transaction, one round trip.
/// </summary>
/// <remarks>
/// Akka.Persistence.Sql writes through a stream (a queue, a batching stage, a parallel stage), opens a linq2db
/// connection and a transaction, and builds a multi-row INSERT whose text changes with the row count, so PostgreSQL
/// parses and plans it again and Npgsql parses its text every time; the COMMIT is a round trip of its own. A hot
/// entity writes one batch at a time (Akka keeps one write per entity in flight), so that latency was its rate. The
/// rows are the ones Akka.Persistence.Sql writes (same columns, serializer id and manifest, created as ticks), so its
/// reads, the recovery read and the journal projection read them unchanged.
/// </remarks>
internal sealed class PostgresJournalWriter : IAsyncDisposable
{
    /// <summary>Statements in flight at once (Akka.Persistence.Sql's <c>parallelism</c>): each takes every write waiting.</summary>
    private const int Writers = 4;

    /// <summary>Rows one statement takes at most; one entity's write is never split.</summary>
    private const int MaxRows = 1_000;

    /// <summary>Connections the writes of one node use at most: one per writer loop, and room for a replaced one.</summary>
    private const int MaxConnections = Writers + 2;

    private readonly GroupedStatements<Rows, bool> _inserts;

    private readonly NpgsqlDataSource _dataSource;
    private readonly Akka.Serialization.Serialization _serialization;
    private readonly string? _defaultSerializer;
    private readonly string _writerUuid = Guid.NewGuid().ToString("N");
    private readonly string _sql;

    public PostgresJournalWriter(string connectionString, JournalTableConfig tables, Akka.Serialization.Serialization serialization, string? defaultSerializer)
    {
        _dataSource = PostgresJournalTable.DataSource(connectionString, MaxConnections);
        _serialization = serialization;
        _defaultSerializer = defaultSerializer;
        var c = tables.EventJournalTable.ColumnNames;
        var name = PostgresJournalTable.Name(tables);
        _inserts = new(Writers, MaxRows, InsertAsync, rows => rows.Count);
        _sql = $"""
            INSERT INTO {name} ({c.Created}, {c.Deleted}, {c.PersistenceId}, {c.SequenceNumber}, {c.Message}, {c.Manifest}, {c.Identifier}, {c.WriterUuid})
            SELECT * FROM unnest($1::bigint[], $2::boolean[], $3::text[], $4::bigint[], $5::bytea[], $6::text[], $7::integer[], $8::text[])
            """;
    }

    /// <summary>
    /// Writes every serializable write's events: with the writes of other entities waiting at the same moment, in one
    /// statement (a group commit: many entities' writes cost one round trip and one commit, as Akka.Persistence.Sql's
    /// batching stream did). Returns null when all were written, else one entry per write: null, or why it was rejected
    /// (it could not be serialized, and nothing of it was written). A failed statement throws: nothing of it was written.
    /// </summary>
    public async Task<IImmutableList<Exception?>?> WriteAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow.Ticks;
        var rows = new Rows();
        Exception?[]? rejected = null;
        for (var i = 0; i < writes.Count; i++)
        {
            var mark = rows.Count;
            try
            {
                foreach (var representation in (IImmutableList<IPersistentRepresentation>)writes[i].Payload)
                {
                    rows.Add(representation, representation.Timestamp == 0 ? now : representation.Timestamp, Serialize(representation));
                }
            }
            catch (Exception error)
            {
                rows.TruncateTo(mark);
                (rejected ??= new Exception?[writes.Count])[i] = error;
            }
        }
        if (rows.Count > 0)
        {
            // Not cancelled once queued: the statement may be on its way, and its outcome is the write's.
            await _inserts.RunAsync(rows).ConfigureAwait(false);
        }
        return rejected?.ToImmutableList();
    }

    /// <summary>One statement for the writes given (a write's rows are never split); a failure fails them all.</summary>
    private async Task<IReadOnlyList<bool>> InsertAsync(IReadOnlyList<Rows> batch)
    {
        var all = batch.Count == 1 ? batch[0] : Rows.Concat(batch);
        await using var command = _dataSource.CreateCommand(_sql);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. all.Created] });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = new bool[all.Count] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. all.PersistenceIds] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. all.SequenceNumbers] });
        command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. all.Messages], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. all.Manifests] });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. all.Identifiers] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = Enumerable.Repeat(_writerUuid, all.Count).ToArray() });
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        return new bool[batch.Count];
    }

    /// <summary>As Akka.Persistence.Sql serializes a payload: the serializer bound to its type, its string manifest.</summary>
    private (byte[] Message, string Manifest, int Identifier) Serialize(IPersistentRepresentation representation)
    {
        var payload = representation.Payload;
        var serializer = _serialization.FindSerializerForType(payload.GetType(), _defaultSerializer);
        var manifest = serializer switch
        {
            SerializerWithStringManifest named => named.Manifest(payload),
            { IncludeManifest: true } => payload.GetType().TypeQualifiedName(),
            _ => string.Empty,
        };
        // With the transport set, as Akka.Persistence.Sql does, so an actor reference in a payload serializes with its address.
        var message = Akka.Serialization.Serialization.WithTransport(_serialization.System, (serializer, payload), static s => s.serializer.ToBinary(s.payload));
        return (message, manifest, serializer.Identifier);
    }

    public async ValueTask DisposeAsync()
    {
        await _inserts.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The columns of the rows being written, as the arrays the statement takes.</summary>
    private sealed class Rows
    {
        public List<long> Created { get; } = [];
        public List<string> PersistenceIds { get; } = [];
        public List<long> SequenceNumbers { get; } = [];
        public List<byte[]> Messages { get; } = [];
        public List<string> Manifests { get; } = [];
        public List<int> Identifiers { get; } = [];

        public int Count => Created.Count;

        public void Add(IPersistentRepresentation representation, long created, (byte[] Message, string Manifest, int Identifier) serialized)
        {
            Created.Add(created);
            PersistenceIds.Add(representation.PersistenceId);
            SequenceNumbers.Add(representation.SequenceNr);
            Messages.Add(serialized.Message);
            Manifests.Add(serialized.Manifest);
            Identifiers.Add(serialized.Identifier);
        }

        public static Rows Concat(IEnumerable<Rows> parts)
        {
            var all = new Rows();
            foreach (var part in parts)
            {
                all.Created.AddRange(part.Created);
                all.PersistenceIds.AddRange(part.PersistenceIds);
                all.SequenceNumbers.AddRange(part.SequenceNumbers);
                all.Messages.AddRange(part.Messages);
                all.Manifests.AddRange(part.Manifests);
                all.Identifiers.AddRange(part.Identifiers);
            }
            return all;
        }

        /// <summary>Drops the rows of a write that failed part-way, so a write is all or nothing.</summary>
        public void TruncateTo(int count)
        {
            foreach (var list in new System.Collections.IList[] { Created, PersistenceIds, SequenceNumbers, Messages, Manifests, Identifiers })
            {
                while (list.Count > count)
                {
                    list.RemoveAt(list.Count - 1);
                }
            }
        }
    }
}
