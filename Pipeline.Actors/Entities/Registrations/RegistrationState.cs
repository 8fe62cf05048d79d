namespace Pipeline.Actors.Entities.Registrations;

/// <summary>One member's registration for one event, with every order and payment it has seen. Mutated only by Apply.</summary>
public sealed class RegistrationState(string key)
{
    public const string Pending = "pending";
    public const string Paid = "paid";

    /// <summary><c>{eventId}/{memberId}</c>: one registration per member and event.</summary>
    public string Key { get; } = key;

    public string? Id { get; set; }
    public string EventId { get; set; } = "";
    public string MemberId { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public string Status { get; set; } = Pending;

    /// <summary>The order paid, or else the latest order placed.</summary>
    public string? OrderId { get; set; }
    public string? PaymentId { get; set; }
    public Money Amount { get; set; } = new(0, "");
    public DateTimeOffset? PaidAt { get; set; }
    public DateTimeOffset? CheckedInAt { get; set; }
    public TicketDocument Ticket { get; set; } = new("pending", null, null, 0, null);

    public Dictionary<string, Money> Orders { get; } = new(StringComparer.Ordinal);

    /// <summary>Payments kept but not applied (refund due), by payment id, with their order.</summary>
    public Dictionary<string, string> UnappliedPayments { get; } = new(StringComparer.Ordinal);

    public bool Exists => Id is not null;

    public bool IsPaid => Status == Paid;

    public static string KeyOf(string eventId, string memberId) => eventId + "/" + memberId;

    /// <summary>A copy without the order and payment history, to preview a view without changing this state.</summary>
    public RegistrationState CopyScalars() => new(Key)
    {
        Id = Id, EventId = EventId, MemberId = MemberId, CreatedAt = CreatedAt, Status = Status, OrderId = OrderId,
        PaymentId = PaymentId, Amount = Amount, PaidAt = PaidAt, CheckedInAt = CheckedInAt, Ticket = Ticket,
    };


    public RegistrationView View() => new(
        Id!, EventId, MemberId, Status, OrderId, PaymentId, Amount.Amount, Amount.Currency, PaidAt, CheckedInAt,
        Ticket.Status, Ticket.SentAt, Ticket.WhatsappMessageId, Ticket.Attempts, Ticket.LastError, CreatedAt);
}
