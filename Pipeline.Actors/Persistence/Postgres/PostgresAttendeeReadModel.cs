using Npgsql;
using Pipeline.Actors.ReadSide;
using static Pipeline.Actors.Persistence.Postgres.PostgresQuery;

namespace Pipeline.Actors.Persistence.Postgres;

internal sealed class PostgresAttendeeReadModel(NpgsqlDataSource dataSource) : IAttendeeReadModel
{
    private const string Rows = """
        SELECT r.position, r.id, r.member_id, m.name, m.phone, m.email, r.status, r.amount, r.currency, r.paid_at,
               r.checked_in_at, r.ticket_status
          FROM registrations r
          LEFT JOIN members m ON m.id = r.member_id
        """;

    public async Task<long> CountAsync(string eventId, bool paidOnly, CancellationToken cancellationToken = default) =>
        (await PostgresQuery.ListAsync(dataSource,
            paidOnly
                ? "SELECT coalesce((SELECT paid FROM event_attendees WHERE event_id = $1), 0)"
                : "SELECT count(*) FROM registrations WHERE event_id = $1",
            [Value(eventId)], r => r.GetInt64(0), cancellationToken).ConfigureAwait(false))[0];

    public async Task<IReadOnlyList<(long Position, AttendeeRow Row)>> ListAsync(
        string eventId, bool paidOnly, long afterPosition, int limit, CancellationToken cancellationToken = default) =>
        await PostgresQuery.ListAsync(dataSource,
            $"{Rows} WHERE r.event_id = $1{(paidOnly ? " AND r.status = 'paid'" : "")} AND r.position > $2 ORDER BY r.position LIMIT $3",
            [Value(eventId), Value(afterPosition), Value(limit)],
            r => (r.GetInt64(0), new AttendeeRow(
                r.GetString(1), r.GetString(2), r.GetNullableString(3), r.GetNullableString(4), r.GetNullableString(5), r.GetString(6),
                r.GetInt64(7), r.GetString(8), r.GetNullableTime(9), r.GetNullableTime(10), r.GetString(11))),
            cancellationToken).ConfigureAwait(false);
}
