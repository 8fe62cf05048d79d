using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Pipeline.Actors.Work;
using Pipeline.Streams.Graph;
using Pipeline.Streams.Stages.Pause;

namespace Pipeline.Streams.Stages.Source;

/// <summary>
/// Why: background work must survive crashes and be shared by nodes, so it is claimed from storage with a lease
/// rather than held in memory. This source claims due items of one queue and pushes them into the graph. It holds a
/// permit per claimed item until the item is settled (<see cref="Settled"/>), so no more than <see cref="Budget"/>
/// items are claimed and unsettled at once: memory stays bounded, and nothing waits in a buffer long enough to lose
/// its lease. An item whose lease expires (its node died) is simply claimable again.
/// </summary>
public sealed class LeasedSource
{
    private readonly IWorkQueue _queue;
    private readonly LeasedSourceOptions _options;
    private readonly PauseGate _gate;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Claimed items not yet settled, by id: what a draining node hands back.</summary>
    private readonly ConcurrentDictionary<long, WorkItem> _unsettled = new();

    public LeasedSource(IWorkQueue queue, LeasedSourceOptions options, PauseGate gate, TimeProvider time, ILogger logger)
    {
        _queue = queue;
        _options = options;
        _gate = gate;
        _time = time;
        _logger = logger;
        Budget = new ResizableLimit(options.Budget);
    }

    /// <summary>Claimed-but-unsettled items allowed at once; resize it live (the pipeline's buffer size).</summary>
    public ResizableLimit Budget { get; }

    /// <summary>
    /// The share of the queue this node claims, read before each claim: the work partitions cluster sharding placed on it
    /// (<see cref="OwnedWorkPartitions"/>). Every item by default.
    /// </summary>
    public Func<WorkPartitions> Partitions { get; init; } = static () => WorkPartitions.All;

    /// <summary>When false (e.g. an open circuit downstream) nothing new is claimed.</summary>
    public Func<bool> CanClaim { get; init; } = static () => true;

    /// <summary>
    /// Canceled when the node begins to stop: the source claims nothing more and completes, so the stages below
    /// finish what is in flight (the drain) while the graph's own token keeps them running.
    /// </summary>
    public CancellationToken StopClaiming { get; init; }

    /// <summary>Items claimed and not yet settled.</summary>
    public int Unsettled => _unsettled.Count;

    /// <summary>Claims until canceled or told to stop claiming; a storage failure ends the run (and the graph is restarted with backoff).</summary>
    public async Task RunAsync(ChannelWriter<WorkItem> output, CancellationToken cancellationToken)
    {
        try
        {
            await ClaimUntilStoppedAsync(output, cancellationToken);
        }
        catch (OperationCanceledException) when (StopClaiming.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Stopping: complete the output normally so the rest of the graph drains.
        }
    }

    private async Task ClaimUntilStoppedAsync(ChannelWriter<WorkItem> output, CancellationToken graphToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(graphToken, StopClaiming);
        var cancellationToken = linked.Token;
        while (!cancellationToken.IsCancellationRequested)
        {
            await _gate.WaitIfPausedAsync(cancellationToken);
            await Budget.WaitAsync(cancellationToken);
            // Take every free permit, so one claim statement fetches as much as may be in flight.
            var permits = 1 + Budget.TakeFree(_options.MaxClaim - 1);
            try
            {
                var items = CanClaim()
                    ? await _queue.ClaimAsync(_options.Queue, _options.Owner, permits, _options.LeaseDuration, Partitions(), cancellationToken)
                    : [];
                // Every item of the claim is unsettled from now on, before the first is written: a write can block behind
                // the stages below until the graph stops, and an item not yet tracked would be neither kept alive nor handed back.
                foreach (var item in items)
                {
                    _unsettled[item.Id] = item;
                }
                foreach (var item in items)
                {
                    // Once claimed, an item goes downstream even while stopping: the drain settles or hands it back.
                    await output.WriteAsync(item, graphToken);
                    permits--;
                }
                if (items.Count == 0)
                {
                    Budget.Release(permits);
                    permits = 0;
                    await Task.Delay(_options.PollInterval, _time, cancellationToken);
                }
            }
            finally
            {
                Budget.Release(permits);
            }
        }
    }

    /// <summary>
    /// Extends the lease of every claimed, unsettled item a third of the way through each lease, until canceled, so
    /// work that takes long (a slow WhatsApp, a busy machine) is never claimed a second time while it runs. Only a
    /// node that stops extending (it died) lets its leases expire. The items are extended all at once, so a queue that
    /// groups its statements extends them in a few.
    /// </summary>
    public async Task KeepLeasesAsync(CancellationToken cancellationToken)
    {
        var interval = _options.LeaseDuration / 3;
        try
        {
            while (true)
            {
                await Task.Delay(interval, _time, cancellationToken);
                await Task.WhenAll(_unsettled.Values.Select(item => ExtendAsync(item, cancellationToken)));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ExtendAsync(WorkItem item, CancellationToken cancellationToken)
    {
        try
        {
            if (!await _queue.ExtendAsync(item, _options.LeaseDuration, cancellationToken))
            {
                _unsettled.TryRemove(KeyValuePair.Create(item.Id, item)); // settled meanwhile, or lost: not ours to extend
            }
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            _logger.LogWarning(error, "Could not extend the lease of work item {ItemId}", item.Id);
        }
    }

    /// <summary>Call once per item when it is settled (completed, rescheduled, killed or released).</summary>
    public void Settled(WorkItem item)
    {
        // This claim of the item only: an item handed back can be claimed again by this very source at once, and the
        // newer claim must stay tracked (kept alive, handed back on stop). Removed by id alone, it went untracked, its
        // lease ran out while its ticket was being sent, and another claim sent it again.
        _unsettled.TryRemove(KeyValuePair.Create(item.Id, item));
        Budget.Release();
    }

    /// <summary>
    /// Hands back every claimed item that was not settled (the drain ran out of time, or the graph failed), so
    /// other nodes take it at once instead of waiting for its lease to expire. Settling is token-guarded: an item
    /// the step did settle meanwhile is left as it is.
    /// </summary>
    public async Task<int> ReleaseUnsettledAsync()
    {
        var released = 0;
        foreach (var item in _unsettled.Values)
        {
            try
            {
                if (await _queue.ReleaseAsync(item, CancellationToken.None))
                {
                    released++;
                }
                _unsettled.TryRemove(KeyValuePair.Create(item.Id, item));
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                _logger.LogWarning(error, "Could not hand back work item {ItemId}; its lease will expire", item.Id);
            }
        }
        return released;
    }
}

/// <param name="Owner">This node's name, recorded on each lease.</param>
/// <param name="Budget">Claimed-but-unsettled items allowed at once (the pipeline's buffer size).</param>
/// <param name="MaxClaim">Most items one claim statement takes.</param>
public sealed record LeasedSourceOptions(string Queue, string Owner, TimeSpan LeaseDuration, TimeSpan PollInterval, int Budget, int MaxClaim = 64);
