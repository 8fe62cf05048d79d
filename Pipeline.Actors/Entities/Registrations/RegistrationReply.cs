namespace Pipeline.Actors.Entities.Registrations;

public abstract record RegistrationReply
{
    /// <param name="Order">The order as the read side will show it once projected (the confirmation path caches it).</param>
    public sealed record OrderAccepted(RegistrationView Registration, OrderView Order) : RegistrationReply;

    /// <param name="Replayed">False exactly once per registration: for the confirmation that made it paid.</param>
    public sealed record Paid(RegistrationView Registration, bool Replayed) : RegistrationReply;

    /// <summary>The registration was already paid by another payment; this one is kept as unapplied.</summary>
    public sealed record AlreadyPaid(RegistrationView Registration) : RegistrationReply;

    public sealed record OrderNotFound : RegistrationReply;

    public sealed record AmountMismatch(long ExpectedAmount, string ExpectedCurrency) : RegistrationReply;

    /// <summary>The payment would be recorded: claim its id, then send <see cref="ConfirmPayment"/>.</summary>
    public sealed record ClaimNeeded : RegistrationReply;

    public sealed record Current(RegistrationView Registration) : RegistrationReply;

    public sealed record NotFound : RegistrationReply;

    public sealed record NotPaid : RegistrationReply;

    /// <summary>The ticket attempt was recorded; <paramref name="Registration"/> shows the ticket state after it.</summary>
    public sealed record TicketRecorded(RegistrationView Registration) : RegistrationReply;

    /// <summary>The ticket had already reached a final state (sent or failed); nothing was recorded.</summary>
    public sealed record TicketAlreadySettled(RegistrationView Registration) : RegistrationReply;

    public sealed record CheckedInNow(RegistrationView Registration) : RegistrationReply;

    public sealed record AlreadyCheckedIn(DateTimeOffset CheckedInAt) : RegistrationReply;
}
