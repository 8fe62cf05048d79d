namespace Pipeline.Host.Engine;

/// <summary>The shard region of inventory batches, as the actor registry knows it.</summary>
public sealed class BatchRegion;

/// <summary>The shard region of registrations (one per event and member), as the actor registry knows it.</summary>
public sealed class RegistrationRegion;

/// <summary>The shard region of events (write-once records).</summary>
public sealed class EventRegion;

/// <summary>The shard region of members (write-once records).</summary>
public sealed class MemberRegion;

/// <summary>The shard region of outgoing webhook endpoints.</summary>
public sealed class WebhookEndpointRegion;
