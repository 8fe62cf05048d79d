namespace Pipeline.Actors.Projections;

/// <summary>One row of Akka.Persistence.Sql's <c>event_journal</c>, still serialized.</summary>
/// <param name="Ordering">The journal's global position (an identity: taken at insert, so commits can show it out of order).</param>
/// <param name="SerializerId">The Akka serializer that wrote <paramref name="Payload"/>.</param>
public sealed record JournalRow(long Ordering, string PersistenceId, long SequenceNr, int SerializerId, string Manifest, byte[] Payload);
