namespace Pipeline.Host.Operations.Metrics;

/// <summary>What <c>/metrics</c> refreshes before the exporter collects: readings too slow to take at every scrape.</summary>
internal interface IPolledReading
{
    Task RefreshIfStaleAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A value read from somewhere slow (storage, the shard regions) at most once per <see cref="MaxAge"/> however often
/// <c>/metrics</c> is scraped, by one scrape at a time; when the read fails the last value stays (readiness reports
/// storage, metrics must not fail with it).
/// </summary>
internal abstract class PolledReading<T>(T initial, TimeSpan maxAge, TimeProvider time, ILogger logger) : IPolledReading
    where T : class?
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private T _current = initial;
    private long _readAt = long.MinValue;

    public TimeSpan MaxAge => maxAge;

    public T Current => Volatile.Read(ref _current);

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
                return; // another scrape just read it
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ReadTimeout);
            Volatile.Write(ref _current, await ReadAsync(timeout.Token));
            Volatile.Write(ref _readAt, time.GetTimestamp());
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogDebug(ex, "{Reading} could not be read; the last value stays", GetType().Name);
        }
        finally
        {
            _refresh.Release();
        }
    }

    protected abstract Task<T> ReadAsync(CancellationToken cancellationToken);

    private bool IsStale()
    {
        var readAt = Volatile.Read(ref _readAt);
        return readAt == long.MinValue || time.GetElapsedTime(readAt) >= maxAge;
    }
}
