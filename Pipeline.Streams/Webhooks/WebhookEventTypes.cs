using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.Entities.Registrations;

namespace Pipeline.Streams.Webhooks;

/// <summary>The event types an endpoint may subscribe to: the contract's six, as the entities name their outbox messages.</summary>
public static class WebhookEventTypes
{
    public static IReadOnlyList<string> All { get; } =
    [
        RegistrationBehavior.PaidMessage, RegistrationBehavior.CheckedInMessage, RegistrationBehavior.TicketSentMessage,
        RegistrationBehavior.TicketFailedMessage, RegistrationBehavior.UnappliedMessage, BatchBehavior.DepletedMessage,
    ];

    public static bool IsKnown(string type) => All.Contains(type, StringComparer.Ordinal);
}
