using Pipeline.Actors.Journal;

namespace Pipeline.Tests.Support;

/// <summary>A journal that runs a test's hook before each append: to hold a commit open, or to make it fail.</summary>
public sealed class HookedJournal(IJournal inner, Func<IReadOnlyList<AppendRequest>, Task> beforeAppend) : IJournal
{
    public async Task AppendAsync(IReadOnlyList<AppendRequest> requests, CancellationToken cancellationToken = default)
    {
        await beforeAppend(requests);
        await inner.AppendAsync(requests, cancellationToken);
    }

    public Task<IReadOnlyDictionary<string, IReadOnlyList<JournalEvent>>> ReadAsync(
        IReadOnlyCollection<(string EntityId, long AfterSeq)> entities, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(entities, cancellationToken);

    public Task<IReadOnlyList<(long Position, OutboxMessage Message)>> ReadOutboxAsync(
        long afterPosition, int limit, CancellationToken cancellationToken = default) =>
        inner.ReadOutboxAsync(afterPosition, limit, cancellationToken);
}
