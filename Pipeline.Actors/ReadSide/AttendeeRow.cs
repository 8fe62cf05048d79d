namespace Pipeline.Actors.ReadSide;

/// <summary>One registration of an event with its member's contact details: a row of the attendee export.</summary>
public sealed record AttendeeRow(
    string RegistrationId,
    string MemberId,
    string? Name,
    string? Phone,
    string? Email,
    string Status,
    long Amount,
    string Currency,
    DateTimeOffset? PaidAt,
    DateTimeOffset? CheckedInAt,
    string TicketStatus);
