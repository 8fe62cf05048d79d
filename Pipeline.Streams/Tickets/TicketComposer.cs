using Pipeline.Actors.Entities.Events;
using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.Photos;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Streams.Tickets;

/// <summary>
/// Gathers what a ticket shows (event, member, a signed token) for a paid registration and renders its PDF.
/// The download endpoint and the tickets pipeline both come here, so a ticket looks the same wherever it is seen.
/// </summary>
public sealed class TicketComposer(IEventReadModel events, IMemberReadModel members, TicketToken tokens, IMemberPhotos photos)
{
    /// <summary>
    /// Events never change once created, and an event's read also counts its attendees (O(attendees)): read each once
    /// per node, not once per ticket, since every ticket of a popular event would otherwise count them all again.
    /// </summary>
    private readonly WriteOnceCache<EventView> _events = new(capacity: 10_000);

    /// <summary>The member's phone and the rendered PDF, or null when the event or member no longer exists.</summary>
    public async Task<RenderedTicket?> RenderAsync(RegistrationView registration, CancellationToken cancellationToken)
    {
        var @event = await _events.GetAsync(registration.EventId, async (id, ct) => (await events.GetAsync(id, ct))?.Event, cancellationToken);
        var member = await members.GetAsync(registration.MemberId, cancellationToken);
        if (@event is null || member is null)
        {
            return null;
        }
        // Issued at payment time, so every rendering of one ticket carries the same token and QR code.
        var token = tokens.Create(registration.Id, registration.EventId, registration.PaidAt ?? registration.CreatedAt);
        // The member's photo when there is one (one primary-key read); the ticket renders without it otherwise.
        var photo = await photos.PhotoAsync(registration.MemberId, cancellationToken);
        var pdf = TicketPdfRenderer.Render(new TicketContent(@event.Name, @event.Venue, @event.StartsAt, member.Name, registration.Id, token, photo));
        return new RenderedTicket(member.Phone, @event.Name, TicketPdfRenderer.FileName(registration.Id), pdf);
    }
}

/// <param name="Phone">E.164 number of the member.</param>
public sealed record RenderedTicket(string Phone, string EventName, string FileName, byte[] Pdf);
