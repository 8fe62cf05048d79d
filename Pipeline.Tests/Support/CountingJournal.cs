using Pipeline.Actors.Journal;

namespace Pipeline.Tests.Support;

/// <summary>A journal that counts the transactions it is asked for and passes everything to the real one.</summary>
public sealed class CountingJournal(IJournal inner) : IJournal
{
    private long _appendCalls;
    private long _appendedRequests;

    /// <summary>Calls of <see cref="AppendAsync"/>: one transaction each, committed or not.</summary>
    public long AppendCalls => Interlocked.Read(ref _appendCalls);

    /// <summary>Entity appends over all calls.</summary>
    public long AppendedRequests => Interlocked.Read(ref _appendedRequests);

    public Task AppendAsync(IReadOnlyList<AppendRequest> requests, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _appendCalls);
        Interlocked.Add(ref _appendedRequests, requests.Count);
        return inner.AppendAsync(requests, cancellationToken);
    }

    public Task<IReadOnlyDictionary<string, IReadOnlyList<JournalEvent>>> ReadAsync(
        IReadOnlyCollection<(string EntityId, long AfterSeq)> entities, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(entities, cancellationToken);

    public Task<IReadOnlyList<(long Position, OutboxMessage Message)>> ReadOutboxAsync(
        long afterPosition, int limit, CancellationToken cancellationToken = default) =>
        inner.ReadOutboxAsync(afterPosition, limit, cancellationToken);
}
