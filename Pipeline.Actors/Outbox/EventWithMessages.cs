namespace Pipeline.Actors.Outbox;

/// <summary>
/// An entity's event journaled in one row with the outbox messages its command caused: one journal row a command where
/// there were two (the event, then an <see cref="OutboxMessageRecorded"/>), with the same atomicity. Its manifest is
/// the event's with <see cref="ManifestSuffix"/>, so a version that predates this format fails to read the row rather
/// than reading the event and dropping its messages.
/// </summary>
public sealed record EventWithMessages(object Event, IReadOnlyList<OutboxMessageRecorded> Messages)
{
    /// <summary>Appended to the event's manifest (<c>PaymentApplied+outbox</c>). Stored in the journal: never change it.</summary>
    public const string ManifestSuffix = "+outbox";

    /// <summary>The domain event of a decoded journal payload, with or without messages.</summary>
    public static object EventOf(object payload) => payload is EventWithMessages carried ? carried.Event : payload;
}
