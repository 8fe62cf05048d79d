using System.Text.Json.Serialization;

namespace Pipeline.Actors.Entities.Registrations;

/// <summary>What happened to a registration. The discriminators are stored in the journal: never rename them.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$type")]
[JsonDerivedType(typeof(RegistrationOpened), "RegistrationOpened")]
[JsonDerivedType(typeof(OrderPlaced), "OrderPlaced")]
[JsonDerivedType(typeof(PaymentApplied), "PaymentApplied")]
[JsonDerivedType(typeof(PaymentUnapplied), "PaymentUnapplied")]
[JsonDerivedType(typeof(TicketSent), "TicketSent")]
[JsonDerivedType(typeof(TicketAttemptFailed), "TicketAttemptFailed")]
[JsonDerivedType(typeof(TicketDeliveryFailed), "TicketDeliveryFailed")]
[JsonDerivedType(typeof(CheckedIn), "CheckedIn")]
public abstract record RegistrationEvent(DateTimeOffset At);

public sealed record RegistrationOpened(string Id, string EventId, string MemberId, DateTimeOffset At) : RegistrationEvent(At);

public sealed record OrderPlaced(string OrderId, long Amount, string Currency, DateTimeOffset At) : RegistrationEvent(At);

/// <summary>The payment that made the registration paid.</summary>
public sealed record PaymentApplied(string OrderId, string PaymentId, long Amount, string Currency, DateTimeOffset At) : RegistrationEvent(At);

/// <summary>A valid payment for an already paid registration: kept, never applied, refund due.</summary>
public sealed record PaymentUnapplied(string OrderId, string PaymentId, long Amount, string Currency, DateTimeOffset At) : RegistrationEvent(At);

/// <summary>WhatsApp accepted the ticket message.</summary>
public sealed record TicketSent(string WhatsappMessageId, DateTimeOffset At) : RegistrationEvent(At);

/// <summary>An attempt to deliver the ticket failed and another will follow.</summary>
public sealed record TicketAttemptFailed(string Error, DateTimeOffset At) : RegistrationEvent(At);

/// <summary>The last attempt failed, or the failure was permanent: the ticket is not delivered.</summary>
public sealed record TicketDeliveryFailed(string Error, DateTimeOffset At) : RegistrationEvent(At);

public sealed record CheckedIn(DateTimeOffset At) : RegistrationEvent(At);
