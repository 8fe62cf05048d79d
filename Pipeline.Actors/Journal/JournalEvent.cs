namespace Pipeline.Actors.Journal;

/// <summary>One stored event of one entity; <see cref="Seq"/> starts at 1 and has no gaps.</summary>
public sealed record JournalEvent(long Seq, string Type, string Payload, DateTimeOffset WrittenAt);
