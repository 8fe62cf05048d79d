using Npgsql;
using Pipeline.Actors.Entities.Events;
using Pipeline.Actors.ReadSide;
using static Pipeline.Actors.Persistence.Postgres.PostgresQuery;

namespace Pipeline.Actors.Persistence.Postgres;

internal sealed class PostgresEventReadModel(NpgsqlDataSource dataSource) : IEventReadModel
{
    // The attendee count is kept per event by registrations' triggers (migration 0014): one row read, however many attend.
    private const string Select = """
        SELECT e.position, e.id, e.name, e.venue, e.starts_at, e.fee_amount, e.fee_currency, e.created_at,
               coalesce((SELECT a.paid FROM event_attendees a WHERE a.event_id = e.id), 0)
          FROM events e
        """;

    public Task<EventSummary?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        SingleOrDefaultAsync(dataSource, $"{Select} WHERE e.id = $1", [Value(id)], r => Read(r).Event, cancellationToken);

    public async Task<IReadOnlyList<(long Position, EventSummary Event)>> ListAsync(long afterPosition, int limit, CancellationToken cancellationToken = default) =>
        await PostgresQuery.ListAsync(dataSource, $"{Select} WHERE e.position > $1 ORDER BY e.position LIMIT $2",
            [Value(afterPosition), Value(limit)], Read, cancellationToken).ConfigureAwait(false);

    private static (long Position, EventSummary Event) Read(NpgsqlDataReader r) =>
        (r.GetInt64(0), new EventSummary(
            new EventView(r.GetString(1), r.GetString(2), r.GetString(3), r.GetTime(4), r.GetInt64(5), r.GetString(6), r.GetTime(7)),
            r.GetInt64(8)));
}
