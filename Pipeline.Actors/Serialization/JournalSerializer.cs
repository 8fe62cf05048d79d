using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.Entities.Events;
using Pipeline.Actors.Entities.Members;
using Pipeline.Actors.Entities.Records;
using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.Entities.WebhookEndpoints;
using Pipeline.Actors.Outbox;
using Pipeline.Actors.Runtime;

namespace Pipeline.Actors.Serialization;

/// <summary>
/// Events and snapshots as System.Text.Json with a stable manifest per type: the name given in the base type's
/// <c>[JsonDerivedType]</c> (the names the old journal stored) or in <see cref="Named"/>. Renaming or moving a class never
/// breaks a stored journal; a field added later reads as its default from older events.
/// </summary>
public sealed class JournalSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Akka's id of this serializer, stored with every event: never change it.</summary>
    public const int Id = 4_711;

    /// <summary>The base types whose instances this serializer writes (the serialization bindings).</summary>
    public static readonly Type[] BoundTypes =
        [
            typeof(BatchEvent), typeof(BatchSnapshot), typeof(RegistrationEvent), typeof(OutboxMessageRecorded),
            typeof(RecordCreated<EventView>), typeof(RecordCreated<MemberView>), typeof(WebhookEndpointEvent),
            typeof(EventWithMessages),
        ];

    private static readonly (Type Type, string Manifest)[] Named =
    [
        (typeof(BatchSnapshot), "BatchSnapshot"),
        (typeof(OutboxMessageRecorded), "OutboxMessageRecorded"),
        (typeof(RecordCreated<EventView>), "EventCreated"),
        (typeof(RecordCreated<MemberView>), "MemberCreated"),
    ];

    private static readonly FrozenDictionary<Type, string> ManifestByType = Manifests().ToFrozenDictionary(m => m.Type, m => m.Manifest);
    private static readonly FrozenDictionary<string, Type> TypeByManifest = Manifests().ToFrozenDictionary(m => m.Manifest, m => m.Type);

    public override int Identifier => Id;

    public override string Manifest(object o) =>
        o is EventWithMessages carried ? ManifestOf(carried.Event) + EventWithMessages.ManifestSuffix : ManifestOf(o);

    public override byte[] ToBinary(object obj) =>
        obj is EventWithMessages carried ? WithMessages(carried) : JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Options);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!manifest.EndsWith(EventWithMessages.ManifestSuffix, StringComparison.Ordinal))
        {
            return Read(bytes, manifest);
        }
        var @event = Read(bytes, manifest[..^EventWithMessages.ManifestSuffix.Length]);
        var carrier = JsonSerializer.Deserialize<MessagesCarrier>(bytes, Options);
        return new EventWithMessages(@event, carrier?.Messages
            ?? throw new System.Runtime.Serialization.SerializationException($"A stored {manifest} has no {MessagesProperty}."));
    }

    private static JsonSerializerOptions Options => EventCodec<object>.DefaultOptions;

    private static string ManifestOf(object o) =>
        ManifestByType.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType().Name} has no journal manifest.", nameof(o));

    private static object Read(byte[] bytes, string manifest) =>
        TypeByManifest.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, Options)
              ?? throw new InvalidOperationException($"A stored {manifest} decoded to null.")
            : throw new System.Runtime.Serialization.SerializationException($"Unknown journal manifest '{manifest}'.");

    /// <summary>
    /// The event's own JSON object with the messages as one more property, first: the event's fields stay where queries of
    /// the journal's payloads look for them, and the event's type reads them past the property it does not know.
    /// </summary>
    private static byte[] WithMessages(EventWithMessages carried)
    {
        var @event = JsonSerializer.SerializeToUtf8Bytes(carried.Event, carried.Event.GetType(), Options);
        var messages = JsonSerializer.SerializeToUtf8Bytes(new MessagesCarrier(carried.Messages), Options);
        if (@event is not [(byte)'{', _, .., (byte)'}'] || messages is not [(byte)'{', .., (byte)'}'])
        {
            throw new InvalidOperationException($"{carried.Event.GetType().Name} is not stored as a JSON object with fields.");
        }
        // The messages' object without its closing brace, a comma, then the event's fields and closing brace.
        var combined = new byte[messages.Length + @event.Length - 1];
        messages.AsSpan(0, messages.Length - 1).CopyTo(combined);
        combined[messages.Length - 1] = (byte)',';
        @event.AsSpan(1).CopyTo(combined.AsSpan(messages.Length));
        return combined;
    }

    private const string MessagesProperty = "$outbox";

    private sealed record MessagesCarrier([property: JsonPropertyName(MessagesProperty)] IReadOnlyList<OutboxMessageRecorded> Messages);

    private static IEnumerable<(Type Type, string Manifest)> Manifests() =>
        BoundTypes
            .SelectMany(b => b.GetCustomAttributes<JsonDerivedTypeAttribute>()
                .Select(a => (a.DerivedType, (string)(a.TypeDiscriminator ?? a.DerivedType.Name))))
            .Concat(Named);
}
