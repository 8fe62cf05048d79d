using Pipeline.Actors.Webhooks;

namespace Pipeline.Streams.Pipelines.Webhooks;

/// <summary>A claimed delivery on its way to its attempt, already counted in its endpoint's lane and holding one slot of the pipeline's parallelism.</summary>
/// <param name="ClaimedAt">When it was claimed (<see cref="TimeProvider.GetTimestamp"/>): one that waited long (a low rate) renews its lease first.</param>
public sealed record Delivery(DeliveryClaim Claim, DeliveryLane Lane, long ClaimedAt);
