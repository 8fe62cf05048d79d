using Npgsql;
using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.ReadSide;
using static Pipeline.Actors.Persistence.Postgres.PostgresQuery;

namespace Pipeline.Actors.Persistence.Postgres;

internal sealed class PostgresRegistrationReadModel(NpgsqlDataSource dataSource, PostgresOrderIndex orders) : IRegistrationReadModel
{
    private const string Registrations = """
        SELECT position, id, event_id, member_id, status, order_id, payment_id, amount, currency, paid_at, checked_in_at,
               ticket_status, ticket_sent_at, whatsapp_message_id, ticket_attempts, ticket_last_error, created_at
          FROM registrations
        """;

    private const string Payments =
        "SELECT position, payment_id, registration_id, order_id, event_id, member_id, status, amount, currency, at FROM payments";

    public Task<RegistrationView?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        SingleOrDefaultAsync(dataSource, $"{Registrations} WHERE id = $1", [Value(id)], r => ReadRegistration(r).Registration, cancellationToken);

    public async Task<IReadOnlyList<(long Position, RegistrationView Registration)>> ListByEventAsync(
        string eventId, string? status, long afterPosition, int limit, CancellationToken cancellationToken = default) =>
        // Two statements rather than "$2 IS NULL OR status = $2", so each gets a plan of its own. Both page through
        // registrations_event_position; the status filter reads the rows (no index names status: migration 0014).
        await (status is null
            ? ListAsync(dataSource, $"{Registrations} WHERE event_id = $1 AND position > $2 ORDER BY position LIMIT $3",
                [Value(eventId), Value(afterPosition), Value(limit)], ReadRegistration, cancellationToken)
            : ListAsync(dataSource, $"{Registrations} WHERE event_id = $1 AND status = $2 AND position > $3 ORDER BY position LIMIT $4",
                [Value(eventId), Value(status), Value(afterPosition), Value(limit)], ReadRegistration, cancellationToken)).ConfigureAwait(false);

    public Task<OrderView?> GetOrderAsync(string orderId, CancellationToken cancellationToken = default) =>
        orders.FindAsync(orderId, cancellationToken);

    public Task<PaymentView?> GetPaymentAsync(string paymentId, CancellationToken cancellationToken = default) =>
        SingleOrDefaultAsync(dataSource, $"{Payments} WHERE payment_id = $1", [Value(paymentId)], r => ReadPayment(r).Payment, cancellationToken);

    public async Task<IReadOnlyList<(long Position, PaymentView Payment)>> ListUnappliedPaymentsAsync(
        long afterPosition, int limit, CancellationToken cancellationToken = default) =>
        await ListAsync(dataSource, $"{Payments} WHERE status = 'unapplied' AND position > $1 ORDER BY position LIMIT $2",
            [Value(afterPosition), Value(limit)], ReadPayment, cancellationToken).ConfigureAwait(false);

    private static (long Position, RegistrationView Registration) ReadRegistration(NpgsqlDataReader r) =>
        (r.GetInt64(0), new RegistrationView(
            r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetNullableString(5), r.GetNullableString(6),
            r.GetInt64(7), r.GetString(8), r.GetNullableTime(9), r.GetNullableTime(10), r.GetString(11), r.GetNullableTime(12),
            r.GetNullableString(13), checked((int)r.GetInt64(14)), r.GetNullableString(15), r.GetTime(16)));

    private static (long Position, PaymentView Payment) ReadPayment(NpgsqlDataReader r) =>
        (r.GetInt64(0), new PaymentView(
            r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetInt64(7), r.GetString(8), r.GetTime(9)));
}
