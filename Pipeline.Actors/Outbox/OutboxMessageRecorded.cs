namespace Pipeline.Actors.Outbox;

/// <summary>
/// A message to the outside world (a webhook type, a ticket to send), journaled with the events of the command that
/// caused it, in the same atomic write: one cannot exist without the other. It rides in the row of the command's last
/// event (<see cref="EventWithMessages"/>); rows of its own are what earlier versions wrote, still read. The outbox
/// projection turns it into an outbox row and its work items, keyed by <see cref="Id"/>, so replaying it adds nothing.
/// </summary>
/// <param name="Data">The JSON of the message's <c>data</c>.</param>
public sealed record OutboxMessageRecorded(string Id, string Type, string Data, DateTimeOffset At);
