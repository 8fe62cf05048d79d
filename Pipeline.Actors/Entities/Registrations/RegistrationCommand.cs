using Pipeline.Actors.Engine;

namespace Pipeline.Actors.Entities.Registrations;

public abstract record RegistrationCommand;

/// <param name="RegistrationId">The id to give the registration if this order opens it; ignored otherwise.</param>
public sealed record PlaceOrder(string EventId, string MemberId, string RegistrationId, string OrderId, long Amount, string Currency) : RegistrationCommand;

/// <param name="Amount">The captured amount when the source states one (webhook, ingestion); null when the order's amount is implied (client confirmation).</param>
public sealed record ConfirmPayment(string OrderId, string PaymentId, long? Amount, string? Currency) : RegistrationCommand;

/// <summary>
/// A confirmation answered from the registration's state alone when it would write nothing (a replay, an unknown order, a
/// wrong amount, a payment already kept as unapplied); any other is answered <see cref="RegistrationReply.ClaimNeeded"/>:
/// the payment id must be claimed cluster-wide before <see cref="ConfirmPayment"/> may record it.
/// </summary>
public sealed record CheckPayment(ConfirmPayment Confirmation) : RegistrationCommand, IReadCommand;

public sealed record GetRegistration : RegistrationCommand, IReadCommand;

/// <summary>The outcome of one ticket delivery attempt (upload and message together).</summary>
/// <param name="Final">For a failure: no attempt will follow (permanent error, or the last retry).</param>
public sealed record RecordTicketAttempt(string? WhatsappMessageId, string? Error, bool Final) : RegistrationCommand
{
    public bool Succeeded => WhatsappMessageId is not null;
}

public sealed record CheckIn : RegistrationCommand;
