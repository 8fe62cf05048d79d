using System.Text.Json;
using Pipeline.Actors.Journal;

namespace Pipeline.Actors.Runtime;

/// <summary>
/// Turns an entity's events into journal rows and back. Event types declare their names with
/// <c>[JsonPolymorphic]</c>/<c>[JsonDerivedType]</c> on their base type, so renaming a class never breaks stored journals.
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

    public JournalEvent Encode(long seq, TEvent @event, DateTimeOffset at)
    {
        var payload = JsonSerializer.Serialize(@event, options);
        return new JournalEvent(seq, @event!.GetType().Name, payload, at);
    }

    public TEvent Decode(JournalEvent stored) =>
        JsonSerializer.Deserialize<TEvent>(stored.Payload, options)
        ?? throw new InvalidOperationException($"Journal event {stored.Seq} ({stored.Type}) decoded to null.");

    public string EncodeData(object data) => JsonSerializer.Serialize(data, data.GetType(), options);
}
