namespace Pipeline.Actors.Entities.Batches;

public abstract record BatchReply
{
    public sealed record Created(BatchView Batch) : BatchReply;

    public sealed record Current(BatchView Batch) : BatchReply;

    /// <param name="Replayed">True when an Idempotency-Key matched an earlier consume and nothing was consumed now.</param>
    public sealed record Consumed(string BatchId, long Quantity, long Remaining, long Version, bool Replayed) : BatchReply;

    public sealed record InsufficientQuantity(long Remaining, bool Replayed) : BatchReply;

    public sealed record IdempotencyKeyReused : BatchReply;

    public sealed record NotFound : BatchReply;

    public sealed record AlreadyExists : BatchReply;
}
