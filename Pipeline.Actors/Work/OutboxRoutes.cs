namespace Pipeline.Actors.Work;

/// <summary>
/// Which queues each outbox message feeds. The storage adds these work items in the same transaction as the
/// message, so no message can exist without its work.
/// </summary>
public static class OutboxRoutes
{
    /// <summary>Renders and sends a ticket for each newly paid registration.</summary>
    public const string Tickets = "tickets";

    /// <summary>Fans every message out to the webhook endpoints subscribed to its type.</summary>
    public const string Webhooks = "webhooks";

    /// <summary>One delivery of one message to one webhook endpoint (target = endpoint id).</summary>
    public const string Deliveries = "deliveries";

    public static IReadOnlyList<string> QueuesFor(string messageType) =>
        messageType == "registration.paid" ? [Tickets, Webhooks] : [Webhooks];
}
