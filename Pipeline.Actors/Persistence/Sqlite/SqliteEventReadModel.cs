using Microsoft.Data.Sqlite;
using Pipeline.Actors.Entities.Events;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Actors.Persistence.Sqlite;

internal sealed class SqliteEventReadModel(SqliteConnectionFactory connections) : IEventReadModel
{
    // The attendee count is counted from registrations_event_status_position for each returned row only.
    private const string Select = """
        SELECT e.position, e.id, e.name, e.venue, e.starts_at, e.fee_amount, e.fee_currency, e.created_at,
               (SELECT count(*) FROM registrations r WHERE r.event_id = e.id AND r.status = 'paid')
          FROM events e
        """;

    public Task<EventSummary?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        SqliteQuery.SingleOrDefaultAsync(connections, $"{Select} WHERE e.id = $id", [("$id", id)], r => Read(r).Event, cancellationToken);

    public async Task<IReadOnlyList<(long Position, EventSummary Event)>> ListAsync(long afterPosition, int limit, CancellationToken cancellationToken = default) =>
        await SqliteQuery.ListAsync(connections, $"{Select} WHERE e.position > $after ORDER BY e.position LIMIT $limit",
            [("$after", afterPosition), ("$limit", limit)], Read, cancellationToken).ConfigureAwait(false);

    private static (long Position, EventSummary Event) Read(SqliteDataReader r) =>
        (r.GetInt64(0), new EventSummary(
            new EventView(r.GetString(1), r.GetString(2), r.GetString(3), r.GetTime(4), r.GetInt64(5), r.GetString(6), r.GetTime(7)),
            r.GetInt64(8)));
}
