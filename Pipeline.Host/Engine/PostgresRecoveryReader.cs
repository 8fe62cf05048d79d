using Akka.Persistence.Sql.Config;
using Akka.Persistence.Sql.Journal.Types;
using Npgsql;
using Pipeline.Actors.Persistence;

namespace Pipeline.Host.Engine;

/// <summary>
/// The recovery read on PostgreSQL (an entity's events past its snapshot) as one prepared statement for every entity
/// recovering at that moment: the ids and starting numbers go as arrays, and a lateral join reads each entity's rows
/// in order, at most <c>limit</c> of them. One round trip serves them all.
/// </summary>
/// <remarks>
/// A burst of confirmations of passivated registrations recovers as many entities at once. One linq2db query each was
/// about a fifth of the host's time in a profile of cold confirmations (a third of that linq2db building the same SQL
/// again) and cost PostgreSQL a statement each; this is the group read beside the group write of
/// <see cref="PostgresJournalWriter"/>.
/// </remarks>
internal sealed class PostgresRecoveryReader : IAsyncDisposable
{
    /// <summary>Statements in flight at once; each takes every read waiting, up to <see cref="MaxEntities"/>.</summary>
    private const int Readers = 2;

    private const int MaxEntities = 256;

    private readonly GroupedStatements<(string PersistenceId, long After), List<JournalRow>> _reads;
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _sql;
    private readonly int _limit;

    /// <param name="limit">Rows read per entity at most.</param>
    public PostgresRecoveryReader(string connectionString, JournalTableConfig tables, int limit)
    {
        _dataSource = PostgresJournalTable.DataSource(connectionString, Readers + 1);
        _limit = limit;
        var c = tables.EventJournalTable.ColumnNames;
        var name = PostgresJournalTable.Name(tables);
        _sql = $"""
            SELECT w.n, j.{c.Ordering}, j.{c.Created}, j.{c.Deleted}, j.{c.SequenceNumber}, j.{c.Message}, j.{c.Manifest}, j.{c.Identifier}, j.{c.WriterUuid}
              FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS w(persistence_id, after, n)
              CROSS JOIN LATERAL (
                   SELECT * FROM {name} e
                    WHERE e.{c.PersistenceId} = w.persistence_id AND e.{c.SequenceNumber} > w.after
                    ORDER BY e.{c.SequenceNumber}
                    LIMIT $3) j
             ORDER BY w.n, j.{c.SequenceNumber}
            """;
        _reads = new(Readers, MaxEntities, SelectAsync);
    }

    /// <summary>The entity's rows numbered above <paramref name="after"/>, in order, at most the reader's limit.</summary>
    public Task<List<JournalRow>> ReadAsync(string persistenceId, long after, CancellationToken cancellationToken) =>
        _reads.RunAsync((persistenceId, after)).WaitAsync(cancellationToken);

    private async Task<IReadOnlyList<List<JournalRow>>> SelectAsync(IReadOnlyList<(string PersistenceId, long After)> batch)
    {
        var rows = new List<JournalRow>[batch.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = [];
        }
        await using var command = _dataSource.CreateCommand(_sql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(p => p.PersistenceId)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. batch.Select(p => p.After)] });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = _limit });
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            var index = (int)reader.GetInt64(0) - 1;
            rows[index].Add(new JournalRow
            {
                Ordering = reader.GetInt64(1),
                Timestamp = reader.GetInt64(2),
                Deleted = reader.GetBoolean(3),
                PersistenceId = batch[index].PersistenceId,
                SequenceNumber = reader.GetInt64(4),
                Message = reader.GetFieldValue<byte[]>(5),
                Manifest = reader.IsDBNull(6) ? string.Empty : reader.GetString(6),
                Identifier = reader.IsDBNull(7) ? null : reader.GetInt32(7),
                WriterUuid = reader.IsDBNull(8) ? null : reader.GetString(8),
            });
        }
        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await _reads.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }
}
