namespace Pipeline.Actors.Work;

/// <summary>
/// Durable work queues shared by every node: items are claimed with a lease, settled only by the lease holder,
/// and come back by themselves when a lease expires (a dead node's work is taken over). Times are the
/// database's clock where the storage has one shared by nodes (PostgreSQL).
/// </summary>
public interface IWorkQueue
{
    /// <summary>
    /// Leases up to <paramref name="limit"/> due items of the queue, oldest due first; never one leased by someone else.
    /// An item whose lease expired is claimable again with a new <see cref="WorkItem.LeaseToken"/>, and that lost lease
    /// counts as a failed attempt (so work that kills its node or always outruns its lease still runs out of attempts).
    /// </summary>
    Task<IReadOnlyList<WorkItem>> ClaimAsync(string queue, string owner, int limit, TimeSpan lease, CancellationToken cancellationToken = default) =>
        ClaimAsync(queue, owner, limit, lease, WorkPartitions.All, cancellationToken);

    /// <summary>
    /// As <see cref="ClaimAsync(string, string, int, TimeSpan, CancellationToken)"/>, of the given partitions only, and
    /// items whose lease ran out whatever their partition (<see cref="WorkPartitions"/>).
    /// </summary>
    Task<IReadOnlyList<WorkItem>> ClaimAsync(
        string queue, string owner, int limit, TimeSpan lease, WorkPartitions partitions, CancellationToken cancellationToken = default);

    /// <summary>Marks the item done. False when the lease was lost (expired and claimed again): the caller must not assume it settled.</summary>
    Task<bool> CompleteAsync(WorkItem item, CancellationToken cancellationToken = default);

    /// <summary>Counts a failed attempt and makes the item due again after <paramref name="delay"/>.</summary>
    Task<bool> RetryAsync(WorkItem item, TimeSpan delay, string? error, int? status, CancellationToken cancellationToken = default);

    /// <summary>Counts a failed attempt and gives up: the item is dead (kept for operators, retried only by hand).</summary>
    Task<bool> KillAsync(WorkItem item, string? error, int? status, CancellationToken cancellationToken = default);

    /// <summary>Hands the item back untouched (no attempt counted), e.g. when a node drains on shutdown.</summary>
    Task<bool> ReleaseAsync(WorkItem item, CancellationToken cancellationToken = default);

    /// <summary>Extends a lease that is still held, for work that runs longer than one lease.</summary>
    Task<bool> ExtendAsync(WorkItem item, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Adds items (fan-out); duplicates of an existing (queue, message, target) are ignored. Returns how many were new.</summary>
    Task<int> EnqueueAsync(IReadOnlyList<NewWorkItem> items, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes a done or dead item pending and due now (manual retry), keeping its attempts and last error.
    /// False when the queue holds no such item that is done or dead.
    /// </summary>
    Task<bool> RequeueAsync(string queue, long id, CancellationToken cancellationToken = default);

    Task<QueueDepth> DepthAsync(string queue, CancellationToken cancellationToken = default);

    /// <summary>Items of a queue, optionally of one target and state, newest first, paged by id (ids below <paramref name="beforeId"/>).</summary>
    Task<IReadOnlyList<WorkItemView>> ListAsync(
        string queue, string? target, string? state, long beforeId, int limit, CancellationToken cancellationToken = default);
}
