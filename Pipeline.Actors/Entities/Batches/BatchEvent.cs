using System.Text.Json.Serialization;

namespace Pipeline.Actors.Entities.Batches;

/// <summary>What happened to a batch. The discriminators are the names stored in the journal: never rename them.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$type")]
[JsonDerivedType(typeof(BatchCreated), "BatchCreated")]
[JsonDerivedType(typeof(BatchConsumed), "BatchConsumed")]
[JsonDerivedType(typeof(BatchConsumeRefused), "BatchConsumeRefused")]
public abstract record BatchEvent(DateTimeOffset At);

public sealed record BatchCreated(string Id, string Sku, long Quantity, DateTimeOffset At) : BatchEvent(At);

/// <param name="Remaining">Remaining quantity after this consume.</param>
/// <param name="Version">Batch version after this consume.</param>
public sealed record BatchConsumed(
    long Quantity, long Remaining, long Version, string? IdempotencyKey, string? RequestHash, DateTimeOffset At) : BatchEvent(At);

/// <summary>A refused consume is journaled only when it carried an Idempotency-Key, so its replay answers the same.</summary>
public sealed record BatchConsumeRefused(
    long Quantity, long Remaining, string IdempotencyKey, string RequestHash, DateTimeOffset At) : BatchEvent(At);
