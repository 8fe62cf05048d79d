namespace Pipeline.Actors.Entities.Registrations;

public abstract record RegistrationReply
{
    public sealed record OrderAccepted(RegistrationView Registration, string OrderId) : RegistrationReply;

    /// <param name="Replayed">False exactly once per registration: for the confirmation that made it paid.</param>
    public sealed record Paid(RegistrationView Registration, bool Replayed) : RegistrationReply;

    /// <summary>The registration was already paid by another payment; this one is kept as unapplied.</summary>
    public sealed record AlreadyPaid(RegistrationView Registration) : RegistrationReply;

    public sealed record OrderNotFound : RegistrationReply;

    public sealed record AmountMismatch(long ExpectedAmount, string ExpectedCurrency) : RegistrationReply;

    public sealed record Current(RegistrationView Registration) : RegistrationReply;

    public sealed record NotFound : RegistrationReply;
}
