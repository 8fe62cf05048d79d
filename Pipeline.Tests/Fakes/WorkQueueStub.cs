using Pipeline.Actors.Work;

namespace Pipeline.Tests.Fakes;

/// <summary>A work queue whose every operation is unsupported: a test's fake overrides only the ones its subject calls.</summary>
internal abstract class WorkQueueStub : IWorkQueue
{
    public virtual Task<IReadOnlyList<WorkItem>> ClaimAsync(string queue, string owner, int limit, TimeSpan lease, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    /// <summary>A fake owns every partition: its claims are <see cref="ClaimAsync(string, string, int, TimeSpan, CancellationToken)"/>'s.</summary>
    public Task<IReadOnlyList<WorkItem>> ClaimAsync(
        string queue, string owner, int limit, TimeSpan lease, WorkPartitions partitions, CancellationToken cancellationToken = default) =>
        ClaimAsync(queue, owner, limit, lease, cancellationToken);

    public virtual Task<bool> ReleaseAsync(WorkItem item, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<bool> ExtendAsync(WorkItem item, TimeSpan lease, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<bool> CompleteAsync(WorkItem item, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<bool> RetryAsync(WorkItem item, TimeSpan delay, string? error, int? status, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public virtual Task<bool> KillAsync(WorkItem item, string? error, int? status, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<int> EnqueueAsync(IReadOnlyList<NewWorkItem> items, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<bool> RequeueAsync(string queue, long id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<QueueDepth> DepthAsync(string queue, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public virtual Task<IReadOnlyList<WorkItemView>> ListAsync(
        string queue, string? target, string? state, long beforeId, int limit, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();
}
