namespace Pipeline.Actors.Entities.Batches;

/// <summary>
/// The state of one batch, mutated only by <see cref="BatchBehavior.Apply"/>. Idempotency keys are kept for
/// <see cref="IdempotencyRetention"/> after their request, measured in event time so a replayed journal
/// rebuilds exactly the same set.
/// </summary>
public sealed class BatchState(string id)
{
    public static readonly TimeSpan IdempotencyRetention = TimeSpan.FromHours(24);

    public string Id { get; } = id;
    public bool Exists { get; set; }
    public string Sku { get; set; } = "";
    public long Quantity { get; set; }
    public long Remaining { get; set; }
    public long Version { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Outcome of each recent keyed request: the reply to give again.</summary>
    public Dictionary<string, RememberedRequest> Requests { get; } = new(StringComparer.Ordinal);

    /// <summary>Keys in the order they were first used, for expiry in O(1) per event.</summary>
    public Queue<(string Key, DateTimeOffset At)> RequestsByAge { get; } = new();


    public BatchView View() => new(Id, Sku, Quantity, Remaining, Version, CreatedAt);

    public sealed record RememberedRequest(string RequestHash, BatchReply Reply);
}
