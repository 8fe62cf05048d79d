namespace Pipeline.Streams.Tickets;

/// <summary>What a ticket shows. <see cref="Token"/> becomes the QR code; <see cref="StartsAt"/> is shown in UTC.</summary>
public sealed record TicketContent(string EventName, string Venue, DateTimeOffset StartsAt, string MemberName, string RegistrationId, string Token);
