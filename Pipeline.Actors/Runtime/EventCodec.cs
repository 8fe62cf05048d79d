using System.Text.Json;

namespace Pipeline.Actors.Runtime;

/// <summary>
/// Turns an entity's events into JSON and back, with the options the journal serializer stores them with. Event types
/// declare their names with <c>[JsonPolymorphic]</c>/<c>[JsonDerivedType]</c> on their base type, so renaming a class
/// never breaks stored journals.
/// </summary>
public sealed class EventCodec<TEvent>(JsonSerializerOptions options)
{
    public static readonly JsonSerializerOptions DefaultOptions = new(JsonSerializerDefaults.Web)
    {
        // PostgreSQL stores payloads as jsonb, which reorders keys: "$type" comes back after the other properties.
        AllowOutOfOrderMetadataProperties = true,
        Converters = { new UtcTimestampConverter() },
    };

    public EventCodec() : this(DefaultOptions) { }

    public string Encode(TEvent @event) => JsonSerializer.Serialize(@event, options);

    public TEvent Decode(string payload) =>
        JsonSerializer.Deserialize<TEvent>(payload, options)
        ?? throw new InvalidOperationException($"A stored {typeof(TEvent).Name} decoded to null.");

    public string EncodeData(object data) => JsonSerializer.Serialize(data, data.GetType(), options);
}
