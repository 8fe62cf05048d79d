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
/// A payment the system has taken: <c>applied</c> to its registration, or <c>unapplied</c> (refund due).
/// Inserted once: the storage's unique key on <see cref="PaymentId"/> is the last guard against applying one payment twice.
/// </summary>
public sealed record PaymentView(
    string PaymentId, string RegistrationId, string OrderId, string EventId, string MemberId, string Status, long Amount, string Currency, DateTimeOffset At);
