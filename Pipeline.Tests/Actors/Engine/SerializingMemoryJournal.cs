using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.Serialization;

namespace Pipeline.Tests.Actors.Engine;

/// <summary>
/// Akka's in-memory journal, made to behave like a real one where the tests need it: every payload goes through the
/// bound serializer and is stored as what it deserializes to (the inmem journal has no setting for that), each
/// atomic write is published as <see cref="JournalWritten"/>, and a test can hold the acknowledgement of writes
/// (<see cref="HoldWrites"/>, <see cref="ReleaseWrites"/>) to see what an entity does while its write is in flight.
/// </summary>
public sealed class SerializingMemoryJournal : MemoryJournal
{
    private readonly ActorSystem _system = Context.System;
    private TaskCompletionSource _gate = Released();

    /// <summary>Writes complete (are acknowledged) only after <see cref="ReleaseWrites"/>; they are stored at once.</summary>
    public sealed record HoldWrites
    {
        public static readonly HoldWrites Instance = new();
    }

    public sealed record ReleaseWrites
    {
        public static readonly ReleaseWrites Instance = new();
    }

    /// <summary>One atomic write as stored: its events with their sequence numbers and serializer manifests.</summary>
    public sealed record JournalWritten(string PersistenceId, IReadOnlyList<StoredEvent> Events);

    public sealed record StoredEvent(long SequenceNr, string Manifest, int SerializerId, object Payload);

    protected override async Task<IImmutableList<Exception?>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var gate = _gate.Task;
        var stored = messages.Select(RoundTrip).ToList();
        var result = await base.WriteMessagesAsync(stored.Select(s => s.Write), cancellationToken);
        foreach (var (_, written) in stored)
        {
            _system.EventStream.Publish(written);
        }
        await gate.WaitAsync(cancellationToken);
        return result;
    }

    protected override bool ReceivePluginInternal(object message)
    {
        switch (message)
        {
            case HoldWrites:
                if (_gate.Task.IsCompleted) _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Sender.Tell(message);
                return true;
            case ReleaseWrites:
                _gate.TrySetResult();
                Sender.Tell(message);
                return true;
            default:
                return base.ReceivePluginInternal(message);
        }
    }

    private (AtomicWrite Write, JournalWritten Written) RoundTrip(AtomicWrite write)
    {
        var events = (IImmutableList<IPersistentRepresentation>)write.Payload;
        var copies = ImmutableList.CreateBuilder<IPersistentRepresentation>();
        var written = new List<StoredEvent>();
        foreach (var repr in events)
        {
            var serializer = _system.Serialization.FindSerializerFor(repr.Payload);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, repr.Payload);
            var copy = _system.Serialization.Deserialize(serializer.ToBinary(repr.Payload), serializer.Identifier, manifest);
            copies.Add(repr.WithPayload(copy));
            written.Add(new StoredEvent(repr.SequenceNr, manifest, serializer.Identifier, copy));
        }
        return (new AtomicWrite(copies.ToImmutable()), new JournalWritten(write.PersistenceId, written));
    }

    private static TaskCompletionSource Released()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }
}
