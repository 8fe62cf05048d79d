namespace Pipeline.Actors.Entities.Registrations;

public abstract record RegistrationCommand;

/// <param name="RegistrationId">The id to give the registration if this order opens it; ignored otherwise.</param>
public sealed record PlaceOrder(string EventId, string MemberId, string RegistrationId, string OrderId, long Amount, string Currency) : RegistrationCommand;

/// <param name="Amount">The captured amount when the source states one (webhook, ingestion); null when the order's amount is implied (client confirmation).</param>
public sealed record ConfirmPayment(string OrderId, string PaymentId, long? Amount, string? Currency) : RegistrationCommand;

public sealed record GetRegistration : RegistrationCommand;

/// <summary>The outcome of one ticket delivery attempt (upload and message together).</summary>
/// <param name="Final">For a failure: no attempt will follow (permanent error, or the last retry).</param>
public sealed record RecordTicketAttempt(string? WhatsappMessageId, string? Error, bool Final) : RegistrationCommand
{
    public bool Succeeded => WhatsappMessageId is not null;
}

public sealed record CheckIn : RegistrationCommand;
