using Pipeline.Actors.Entities.Events;
using Pipeline.Actors.Entities.Registrations;

namespace Pipeline.Host.Api.Events;

internal sealed record EventResponse(string Id, string Name, string Venue, DateTimeOffset StartsAt, Money Fee, long AttendeeCount, DateTimeOffset CreatedAt)
{
    public static EventResponse From(EventView view, long attendeeCount) =>
        new(view.Id, view.Name, view.Venue, view.StartsAt, new Money(view.FeeAmount, view.FeeCurrency), attendeeCount, view.CreatedAt);
}
