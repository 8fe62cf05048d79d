namespace Pipeline.Actors.Entities.Registrations;

/// <summary>Money in minor units with its ISO 4217 code.</summary>
public sealed record Money(long Amount, string Currency);

public sealed record TicketDocument(string Status, DateTimeOffset? SentAt, string? WhatsappMessageId, int Attempts, string? LastError);

/// <summary>The contract's registration shape, used in API responses and as webhook data.</summary>
public sealed record RegistrationDocument(
    string Id,
    string EventId,
    string MemberId,
    string Status,
    string? OrderId,
    string? PaymentId,
    Money Amount,
    DateTimeOffset? PaidAt,
    DateTimeOffset? CheckedInAt,
    TicketDocument Ticket)
{
    public static RegistrationDocument From(RegistrationView view) => new(
        view.Id, view.EventId, view.MemberId, view.Status, view.OrderId, view.PaymentId,
        new Money(view.Amount, view.Currency), view.PaidAt, view.CheckedInAt,
        new TicketDocument(view.TicketStatus, view.TicketSentAt, view.WhatsappMessageId, view.TicketAttempts, view.TicketLastError));
}

/// <summary>Data of the <c>payment.unapplied</c> message.</summary>
public sealed record UnappliedPaymentDocument(string PaymentId, string OrderId, string RegistrationId, Money Amount);
