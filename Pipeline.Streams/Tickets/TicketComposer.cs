using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Streams.Tickets;

/// <summary>
/// Gathers what a ticket shows (event, member, a signed token) for a paid registration and renders its PDF.
/// The download endpoint and the tickets pipeline both come here, so a ticket looks the same wherever it is seen.
/// </summary>
public sealed class TicketComposer(IEventReadModel events, IMemberReadModel members, TicketToken tokens)
{
    /// <summary>The member's phone and the rendered PDF, or null when the event or member no longer exists.</summary>
    public async Task<RenderedTicket?> RenderAsync(RegistrationView registration, CancellationToken cancellationToken)
    {
        var summary = await events.GetAsync(registration.EventId, cancellationToken);
        var member = await members.GetAsync(registration.MemberId, cancellationToken);
        if (summary is null || member is null)
        {
            return null;
        }
        // Issued at payment time, so every rendering of one ticket carries the same token and QR code.
        var token = tokens.Create(registration.Id, registration.EventId, registration.PaidAt ?? registration.CreatedAt);
        var pdf = TicketPdfRenderer.Render(new TicketContent(
            summary.Event.Name, summary.Event.Venue, summary.Event.StartsAt, member.Name, registration.Id, token));
        return new RenderedTicket(member.Phone, summary.Event.Name, TicketPdfRenderer.FileName(registration.Id), pdf);
    }
}

/// <param name="Phone">E.164 number of the member.</param>
public sealed record RenderedTicket(string Phone, string EventName, string FileName, byte[] Pdf);
