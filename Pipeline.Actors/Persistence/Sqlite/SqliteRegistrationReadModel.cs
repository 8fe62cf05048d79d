using Microsoft.Data.Sqlite;
using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Actors.Persistence.Sqlite;

internal sealed class SqliteRegistrationReadModel(SqliteConnectionFactory connections) : IRegistrationReadModel
{
    private const string Registrations = """
        SELECT position, id, event_id, member_id, status, order_id, payment_id, amount, currency, paid_at, checked_in_at,
               ticket_status, ticket_sent_at, whatsapp_message_id, ticket_attempts, ticket_last_error, created_at
          FROM registrations
        """;

    private const string Payments =
        "SELECT position, payment_id, registration_id, order_id, event_id, member_id, status, amount, currency, at FROM payments";

    public Task<RegistrationView?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        SqliteQuery.SingleOrDefaultAsync(connections, $"{Registrations} WHERE id = $id", [("$id", id)], r => ReadRegistration(r).Registration, cancellationToken);

    public async Task<IReadOnlyList<(long Position, RegistrationView Registration)>> ListByEventAsync(
        string eventId, string? status, long afterPosition, int limit, CancellationToken cancellationToken = default) =>
        await SqliteQuery.ListAsync(connections,
            status is null
                ? $"{Registrations} WHERE event_id = $event_id AND position > $after ORDER BY position LIMIT $limit"
                : $"{Registrations} WHERE event_id = $event_id AND status = $status AND position > $after ORDER BY position LIMIT $limit",
            [("$event_id", eventId), ("$status", status), ("$after", afterPosition), ("$limit", limit)],
            ReadRegistration, cancellationToken).ConfigureAwait(false);

    public Task<OrderView?> GetOrderAsync(string orderId, CancellationToken cancellationToken = default) =>
        SqliteQuery.SingleOrDefaultAsync(connections,
            "SELECT order_id, registration_id, event_id, member_id, amount, currency, created_at FROM orders WHERE order_id = $id",
            [("$id", orderId)],
            r => new OrderView(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetString(5), r.GetTime(6)),
            cancellationToken);

    public Task<PaymentView?> GetPaymentAsync(string paymentId, CancellationToken cancellationToken = default) =>
        SqliteQuery.SingleOrDefaultAsync(connections, $"{Payments} WHERE payment_id = $id", [("$id", paymentId)], r => ReadPayment(r).Payment, cancellationToken);

    public async Task<IReadOnlyList<(long Position, PaymentView Payment)>> ListUnappliedPaymentsAsync(
        long afterPosition, int limit, CancellationToken cancellationToken = default) =>
        await SqliteQuery.ListAsync(connections, $"{Payments} WHERE status = 'unapplied' AND position > $after ORDER BY position LIMIT $limit",
            [("$after", afterPosition), ("$limit", limit)], ReadPayment, cancellationToken).ConfigureAwait(false);

    private static (long Position, RegistrationView Registration) ReadRegistration(SqliteDataReader r) =>
        (r.GetInt64(0), new RegistrationView(
            r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetNullableString(5), r.GetNullableString(6),
            r.GetInt64(7), r.GetString(8), r.GetNullableTime(9), r.GetNullableTime(10), r.GetString(11), r.GetNullableTime(12),
            r.GetNullableString(13), r.GetInt32(14), r.GetNullableString(15), r.GetTime(16)));

    private static (long Position, PaymentView Payment) ReadPayment(SqliteDataReader r) =>
        (r.GetInt64(0), new PaymentView(
            r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetInt64(7), r.GetString(8), r.GetTime(9)));
}
