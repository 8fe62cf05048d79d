using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.Work;
using Pipeline.Streams.Tickets;

namespace Pipeline.Streams.Pipelines.Tickets;

/// <summary>A claimed ticket on its way: the work item, the registration as it was when rendered, and its PDF (null: nothing to send).</summary>
public sealed record TicketJob(WorkItem Item, RegistrationView? Registration, RenderedTicket? Ticket);
