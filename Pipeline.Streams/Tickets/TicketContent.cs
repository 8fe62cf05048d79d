namespace Pipeline.Streams.Tickets;

/// <summary>What a ticket shows. <see cref="Token"/> becomes the QR code; <see cref="StartsAt"/> is shown in UTC.</summary>
/// <param name="Photo">
/// The member's photo as an encoded image (WebP, JPEG or PNG), shown as a small square beside the name; null for none.
/// A photo that cannot be decoded is left out: it never fails the ticket.
/// </param>
public sealed record TicketContent(
    string EventName, string Venue, DateTimeOffset StartsAt, string MemberName, string RegistrationId, string Token, byte[]? Photo = null);
