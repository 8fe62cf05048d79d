using Pipeline.Actors.Entities.Registrations;

namespace Pipeline.Host.Payments;

public enum ConfirmResult
{
    /// <summary>This payment made the registration paid.</summary>
    Confirmed,

    /// <summary>This payment had already made the registration paid; nothing changed.</summary>
    Replayed,

    /// <summary>The payment id is applied (or kept) on another registration.</summary>
    Conflict,

    /// <summary>The registration was paid by another payment; this one is kept as unapplied (refund due).</summary>
    AlreadyPaid,
    OrderNotFound,
    AmountMismatch,
}

public sealed record ConfirmOutcome(ConfirmResult Result, RegistrationView? Registration = null);
