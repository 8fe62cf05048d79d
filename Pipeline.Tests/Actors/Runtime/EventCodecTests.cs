using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.Runtime;

namespace Pipeline.Tests.Actors.Runtime;

public sealed class EventCodecTests
{
    private static readonly DateTimeOffset At = new(2025, 6, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_event_round_trips_through_its_stored_form()
    {
        var codec = new EventCodec<BatchEvent>();
        var consumed = new BatchConsumed(3, 7, 2, "key", "hash", At);

        var stored = codec.Encode(consumed);

        Assert.Contains("\"$type\":\"BatchConsumed\"", stored, StringComparison.Ordinal);
        Assert.Equal(consumed, codec.Decode(stored));
    }

    /// <summary>Regression: PostgreSQL's jsonb sorts keys, so every batch recovered from PostgreSQL failed to decode.</summary>
    [Fact]
    public void An_event_decodes_when_storage_moved_its_type_discriminator_after_the_other_properties()
    {
        var codec = new EventCodec<BatchEvent>();
        const string AsJsonbReturnsIt =
            """{"at": "2025-06-01T10:00:00.000Z", "$type": "BatchConsumed", "version": 2, "quantity": 3, "remaining": 7, "requestHash": "hash", "idempotencyKey": "key"}""";

        var decoded = codec.Decode(AsJsonbReturnsIt);

        Assert.Equal(new BatchConsumed(3, 7, 2, "key", "hash", At), decoded);
    }
}
