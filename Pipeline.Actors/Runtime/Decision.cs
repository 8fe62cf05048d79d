namespace Pipeline.Actors.Runtime;

/// <summary>A message for the outbox, decided by an entity; <see cref="Data"/> is serialized as the message data.</summary>
public sealed record Notification(string Type, object Data);

/// <summary>
/// What an entity decided for one command: the events to persist (possibly none), the outbox
/// messages they cause, and the reply that is sent once the events are durable.
/// </summary>
public sealed record Decision<TEvent, TReply>(IReadOnlyList<TEvent> Events, TReply Reply, IReadOnlyList<Notification> Notifications)
{
    public static Decision<TEvent, TReply> Only(TReply reply) => new([], reply, []);

    public static Decision<TEvent, TReply> Persist(TEvent @event, TReply reply, params Notification[] notifications) =>
        new([@event], reply, notifications);
}
