namespace Pipeline.Actors.Outbox;

/// <summary>
/// A message to the outside world written in the same transaction as the events that caused it.
/// <see cref="Data"/> is the JSON of the message's <c>data</c>.
/// </summary>
public sealed record OutboxMessage(string Id, string Type, string EntityId, string Data, DateTimeOffset CreatedAt);
