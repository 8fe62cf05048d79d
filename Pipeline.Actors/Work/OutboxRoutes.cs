namespace Pipeline.Actors.Work;

/// <summary>
/// Which queues each outbox message feeds. The storage adds these work items in the same transaction as the
/// message, so no message can exist without its work: a ticket item for a paid registration, and one delivery per
/// webhook endpoint subscribed to the message's type (the fan-out, done there and then against the endpoints as the
/// same transaction leaves them).
/// </summary>
public static class OutboxRoutes
{
    /// <summary>Renders and sends a ticket for each newly paid registration.</summary>
    public const string Tickets = "tickets";

    /// <summary>
    /// Messages waiting to be fanned out to the endpoints subscribed to their type. Nothing is added here any more (the
    /// transaction that stores a message adds its deliveries); the webhooks pipeline still drains items a database
    /// written by an earlier version holds.
    /// </summary>
    public const string Webhooks = "webhooks";

    /// <summary>One delivery of one message to one webhook endpoint (target = endpoint id).</summary>
    public const string Deliveries = "deliveries";

    /// <summary>The queues of a message's own work items (its deliveries come besides, one per subscribed endpoint).</summary>
    public static IReadOnlyList<string> QueuesFor(string messageType) =>
        messageType == "registration.paid" ? [Tickets] : [];
}
