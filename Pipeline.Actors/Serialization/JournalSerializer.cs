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
        ManifestByType.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType().Name} has no journal manifest.", nameof(o));

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), EventCodec<object>.DefaultOptions);

    public override object FromBinary(byte[] bytes, string manifest) =>
        TypeByManifest.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, EventCodec<object>.DefaultOptions)
              ?? throw new InvalidOperationException($"A stored {manifest} decoded to null.")
            : throw new System.Runtime.Serialization.SerializationException($"Unknown journal manifest '{manifest}'.");

    private static IEnumerable<(Type Type, string Manifest)> Manifests() =>
        BoundTypes
            .SelectMany(b => b.GetCustomAttributes<JsonDerivedTypeAttribute>()
                .Select(a => (a.DerivedType, (string)(a.TypeDiscriminator ?? a.DerivedType.Name))))
            .Concat(Named);
}
