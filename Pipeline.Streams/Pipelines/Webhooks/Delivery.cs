using Pipeline.Actors.Webhooks;

namespace Pipeline.Streams.Pipelines.Webhooks;

/// <summary>A claimed delivery on its way to its attempt, already counted in its endpoint's lane and holding one slot of the pipeline's parallelism.</summary>
public sealed record Delivery(DeliveryClaim Claim, DeliveryLane Lane);
