namespace Pipeline.Actors.Work;

/// <summary>
/// One claimed unit of background work: an outbox message for one queue (and, for fan-out queues, one target
/// such as a webhook endpoint). Settling it needs <see cref="LeaseToken"/>: a claim that expired and was taken
/// by another node can no longer be settled by the first.
/// </summary>
public sealed record WorkItem(
    long Id,
    string Queue,
    string MessageId,
    string? Target,
    string Type,
    string EntityId,
    string Data,
    DateTimeOffset CreatedAt,
    int Attempts,
    string LeaseToken,
    DateTimeOffset LeasedUntil);

/// <summary>Work to add outside an append (fan-out). Adding the same (queue, message, target) twice adds it once.</summary>
public sealed record NewWorkItem(string Queue, string MessageId, string? Target);

/// <summary>A work item as operators see it (deliveries list, retries).</summary>
/// <param name="State"><c>pending</c>, <c>done</c> or <c>dead</c>.</param>
public sealed record WorkItemView(
    long Id,
    string Queue,
    string MessageId,
    string? Target,
    string Type,
    string State,
    int Attempts,
    int? LastStatus,
    string? LastError,
    DateTimeOffset? NextAttemptAt,
    bool Leased,
    DateTimeOffset CreatedAt);

/// <summary>How much work a queue holds.</summary>
/// <param name="Ready">Pending, due now, not leased.</param>
/// <param name="Scheduled">Pending, due later (waiting for a retry).</param>
/// <param name="Leased">Claimed by a node right now.</param>
public sealed record QueueDepth(long Ready, long Scheduled, long Leased, long Dead);
