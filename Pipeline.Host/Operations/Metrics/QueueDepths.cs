using Pipeline.Actors.Persistence;
using Pipeline.Actors.Work;

namespace Pipeline.Host.Operations.Metrics;

/// <summary>
/// The work queues' depths, read from storage at most once per <see cref="MaxAge"/> however often <c>/metrics</c> is
/// scraped (a depth query counts rows). When storage does not answer, the last numbers stay.
/// </summary>
internal sealed class QueueDepths(IStorage storage, TimeProvider time, ILogger<QueueDepths> logger)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2);
    public static readonly IReadOnlyList<string> Queues = [OutboxRoutes.Tickets, OutboxRoutes.Webhooks, OutboxRoutes.Deliveries];

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private IReadOnlyDictionary<string, QueueDepth> _current = new Dictionary<string, QueueDepth>();
    private long _readAt = long.MinValue;

    public IReadOnlyDictionary<string, QueueDepth> Current => Volatile.Read(ref _current);

    public async Task RefreshIfStaleAsync(CancellationToken cancellationToken)
    {
        if (!IsStale())
        {
            return;
        }
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (!IsStale())
            {
                return; // another scrape just read them
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            var depths = new Dictionary<string, QueueDepth>(StringComparer.Ordinal);
            foreach (var queue in Queues)
            {
                depths[queue] = await storage.Work.DepthAsync(queue, timeout.Token);
            }
            Volatile.Write(ref _current, depths);
            Volatile.Write(ref _readAt, time.GetTimestamp());
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Metrics must not fail because storage does; readiness reports storage. Try again on the next scrape.
            logger.LogDebug(ex, "Queue depths could not be read");
        }
        finally
        {
            _refresh.Release();
        }
    }

    private bool IsStale()
    {
        var readAt = Volatile.Read(ref _readAt);
        return readAt == long.MinValue || time.GetElapsedTime(readAt) >= MaxAge;
    }
}
