namespace Pipeline.Actors.Entities.Events;

/// <summary>An event as the read side stores it (without its attendee count, which is counted from registrations).</summary>
public sealed record EventView(string Id, string Name, string Venue, DateTimeOffset StartsAt, long FeeAmount, string FeeCurrency, DateTimeOffset CreatedAt);

/// <summary>An event with the number of paid registrations, counted when read.</summary>
public sealed record EventSummary(EventView Event, long AttendeeCount);
