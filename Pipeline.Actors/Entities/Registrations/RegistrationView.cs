namespace Pipeline.Actors.Entities.Registrations;

/// <summary>A registration as the read side stores it and the API shows it. Upserted by id; (EventId, MemberId) is unique.</summary>
/// <param name="Status"><c>pending</c> or <c>paid</c>.</param>
/// <param name="TicketStatus"><c>pending</c>, <c>sent</c> or <c>failed</c>.</param>
public sealed record RegistrationView(
    string Id,
    string EventId,
    string MemberId,
    string Status,
    string? OrderId,
    string? PaymentId,
    long Amount,
    string Currency,
    DateTimeOffset? PaidAt,
    DateTimeOffset? CheckedInAt,
    string TicketStatus,
    DateTimeOffset? TicketSentAt,
    string? WhatsappMessageId,
    int TicketAttempts,
    string? TicketLastError,
    DateTimeOffset CreatedAt);

/// <summary>An order bound to (event, member, amount). Inserted once; order ids are unique.</summary>
public sealed record OrderView(string OrderId, string RegistrationId, string EventId, string MemberId, long Amount, string Currency, DateTimeOffset CreatedAt);

/// <summary>
/// A payment kept apart from its registration: <c>unapplied</c> (refund due). An applied payment is its registration's
/// (<see cref="RegistrationView.PaymentId"/>); versions before 2026-12-05 also wrote those here, as <c>applied</c>.
/// Inserted once (a page projected again keeps the first row); one payment id per registration is decided before any
/// write, by the payment claims.
/// </summary>
public sealed record PaymentView(
    string PaymentId, string RegistrationId, string OrderId, string EventId, string MemberId, string Status, long Amount, string Currency, DateTimeOffset At);
