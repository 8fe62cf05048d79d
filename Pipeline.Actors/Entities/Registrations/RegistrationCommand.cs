namespace Pipeline.Actors.Entities.Registrations;

public abstract record RegistrationCommand;

/// <param name="RegistrationId">The id to give the registration if this order opens it; ignored otherwise.</param>
public sealed record PlaceOrder(string EventId, string MemberId, string RegistrationId, string OrderId, long Amount, string Currency) : RegistrationCommand;

/// <param name="Amount">The captured amount when the source states one (webhook, ingestion); null when the order's amount is implied (client confirmation).</param>
public sealed record ConfirmPayment(string OrderId, string PaymentId, long? Amount, string? Currency) : RegistrationCommand;

public sealed record GetRegistration : RegistrationCommand;
