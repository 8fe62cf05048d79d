using System.Runtime.Serialization;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.Entities.WebhookEndpoints;
using Pipeline.Actors.Outbox;
using Pipeline.Actors.Serialization;
using Pipeline.Actors.Webhooks;
using Xunit.Abstractions;

namespace Pipeline.Tests.Actors.Engine;

/// <summary>What the journal stores: stable manifests, old events readable after fields were added, snapshots that round-trip.</summary>
public sealed class JournalSerializerTests(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString(EngineTestConfig.Serialization), null, output)
{
    private static readonly DateTimeOffset At = new(2025, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);

    private JournalSerializer Serializer => new((ExtendedActorSystem)Sys);

    [Fact]
    public void A_BatchConsumed_stored_before_idempotency_keys_existed_reads_back_with_defaults()
    {
        var old = """{"quantity":3,"remaining":7,"version":2,"at":"2025-03-04T05:06:07.890Z"}"""u8.ToArray();

        var read = Serializer.FromBinary(old, "BatchConsumed");

        Assert.Equal(new BatchConsumed(3, 7, 2, IdempotencyKey: null, RequestHash: null, At), read);
    }

    [Fact]
    public void Events_are_stored_as_camelCase_JSON_with_UTC_timestamps()
    {
        var json = Encoding.UTF8.GetString(Serializer.ToBinary(new BatchConsumed(3, 7, 2, "k", "h", At.ToOffset(TimeSpan.FromHours(2)))));

        Assert.Equal("""{"quantity":3,"remaining":7,"version":2,"idempotencyKey":"k","requestHash":"h","at":"2025-03-04T05:06:07.890Z"}""", json);
    }

    [Fact]
    public void Manifests_are_the_JsonDerivedType_names_and_every_bound_type_uses_the_journal_serializer()
    {
        object[] stored =
        [
            new BatchCreated("b", "sku", 1, At), new BatchConsumed(1, 0, 2, null, null, At), new BatchConsumeRefused(2, 1, "k", "h", At),
            new BatchSnapshot("b", true, "sku", 1, 1, 1, At, []), new OutboxMessageRecorded("msg_1", "batch.depleted", "{}", At),
        ];

        Assert.Equal(
            ["BatchCreated", "BatchConsumed", "BatchConsumeRefused", "BatchSnapshot", "OutboxMessageRecorded"],
            stored.Select(Serializer.Manifest));
        Assert.All(stored, o => Assert.Equal(JournalSerializer.Id, Sys.Serialization.FindSerializerFor(o).Identifier));
        // Records compare by value, except the snapshot's list (by reference): its round trip has a test of its own.
        Assert.All(stored.Where(o => o is not BatchSnapshot), o => Assert.Equal(o, Serializer.FromBinary(Serializer.ToBinary(o), Serializer.Manifest(o))));
    }

    [Fact]
    public void An_event_with_its_outbox_messages_is_one_payload_the_events_own_type_still_reads()
    {
        var consumed = new BatchConsumed(2, 0, 2, "k", "h", At);
        var carried = new EventWithMessages(consumed,
            [new OutboxMessageRecorded("msg_1", "batch.depleted", """{"id":"b"}""", At), new OutboxMessageRecorded("msg_2", "other", "{}", At)]);

        Assert.Equal("BatchConsumed+outbox", Serializer.Manifest(carried));
        Assert.Equal(JournalSerializer.Id, Sys.Serialization.FindSerializerFor(carried).Identifier);
        var bytes = Serializer.ToBinary(carried);

        var read = Assert.IsType<EventWithMessages>(Serializer.FromBinary(bytes, "BatchConsumed+outbox"));
        Assert.Equal(consumed, read.Event);
        Assert.Equal(carried.Messages, read.Messages);
        // The event's fields stay at the top of the payload, where queries of the journal look for them.
        Assert.Equal(consumed, Serializer.FromBinary(bytes, "BatchConsumed"));
        Assert.Equal(2, JsonDocument.Parse(bytes).RootElement.GetProperty("quantity").GetInt64());
    }

    [Fact]
    public void Webhook_endpoint_events_round_trip_under_their_names()
    {
        var endpoint = new WebhookEndpoint("ep_1", "https://hooks.example.com/in", ["registration.paid", "batch.depleted"], "whsec_c2VjcmV0", At);
        object[] stored = [new WebhookEndpointCreated(endpoint, At), new WebhookEndpointDeleted(At)];

        Assert.Equal(["WebhookEndpointCreated", "WebhookEndpointDeleted"], stored.Select(Serializer.Manifest));
        Assert.All(stored, o => Assert.Equal(JournalSerializer.Id, Sys.Serialization.FindSerializerFor(o).Identifier));
        var created = Assert.IsType<WebhookEndpointCreated>(Serializer.FromBinary(Serializer.ToBinary(stored[0]), "WebhookEndpointCreated"));
        Assert.Equal(endpoint.Events, created.Endpoint.Events);
        Assert.Equal(endpoint, created.Endpoint with { Events = endpoint.Events });
        Assert.Equal(stored[1], Serializer.FromBinary(Serializer.ToBinary(stored[1]), "WebhookEndpointDeleted"));
    }

    [Fact]
    public void An_unknown_manifest_is_a_SerializationException()
    {
        Assert.Throws<SerializationException>(() => Serializer.FromBinary("{}"u8.ToArray(), "BatchRenamed"));
        Assert.Throws<ArgumentException>(() => Serializer.Manifest(new GetBatch()));
    }

    [Fact]
    public void A_BatchSnapshot_round_trips_with_its_remembered_requests()
    {
        var snapshot = new BatchSnapshot("b", true, "sku", 10, 4, 3, At,
        [
            new BatchSnapshot.Request("k1", "h1", At, Consumed: true, Quantity: 6, Remaining: 4, Version: 3),
            new BatchSnapshot.Request("k2", "h2", At.AddSeconds(1), Consumed: false, Quantity: 0, Remaining: 4, Version: 0),
        ]);

        var read = Assert.IsType<BatchSnapshot>(Serializer.FromBinary(Serializer.ToBinary(snapshot), "BatchSnapshot"));

        Assert.Equal(snapshot.Requests, read.Requests);
        Assert.Equal(snapshot, read with { Requests = snapshot.Requests });
        var state = read.ToState();
        Assert.Equal(new BatchReply.Consumed("b", 6, 4, 3, Replayed: false), state.Requests["k1"].Reply);
        Assert.Equal(new BatchReply.InsufficientQuantity(4, Replayed: false), state.Requests["k2"].Reply);
        Assert.Equal(["k1", "k2"], state.RequestsByAge.Select(r => r.Key));
    }
}
