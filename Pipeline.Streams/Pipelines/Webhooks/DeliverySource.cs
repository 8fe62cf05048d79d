using System.Collections.Concurrent;
using System.Threading.Channels;
using Pipeline.Actors.Webhooks;
using Pipeline.Actors.Work;
using Pipeline.Streams.Graph;
using Pipeline.Streams.Stages.Pause;

namespace Pipeline.Streams.Pipelines.Webhooks;

/// <summary>
/// Claims due deliveries into their endpoints' lanes. Each claim asks for at most the free slots of the pipeline's
/// parallelism (<see cref="Slots"/>) in all and at most each lane's room (<see cref="DeliveryLanes.Limits"/>), so
/// everything claimed starts at once: nothing claimed waits behind a full lane, nothing is claimed only to be handed
/// back, and a lane can never exceed its size (this loop is the only one that adds to lanes, and an attempt ending only
/// makes room). When a claim comes back short it waits for the poll interval or a <see cref="WakeSignal"/> pulse (a
/// fan-out on this node, an attempt ending), whichever is first.
/// </summary>
public sealed class DeliverySource
{
    private readonly IWebhookStore _store;
    private readonly DeliveryLanes _lanes;
    private readonly WakeSignal _wake;
    private readonly PauseGate _gate;
    private readonly DeliverySourceOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Claimed deliveries whose attempt has not started (in the channel or the throttle), by item id.</summary>
    private readonly ConcurrentDictionary<long, Delivery> _waiting = new();

    public DeliverySource(IWebhookStore store, DeliveryLanes lanes, ResizableLimit slots, WakeSignal wake, PauseGate gate,
        DeliverySourceOptions options, TimeProvider time)
    {
        _store = store;
        _lanes = lanes;
        Slots = slots;
        _wake = wake;
        _gate = gate;
        _options = options;
        _time = time;
    }

    /// <summary>Attempts in flight on this node at once (the pipeline's parallelism); each delivery holds one until settled.</summary>
    public ResizableLimit Slots { get; }

    /// <summary>The share of the deliveries this node claims (its work partitions), read before each claim; every one by default.</summary>
    public Func<WorkPartitions> Partitions { get; init; } = static () => WorkPartitions.All;

    /// <summary>Canceled when the node begins to stop: nothing more is claimed and the source completes, so the graph drains.</summary>
    public CancellationToken StopClaiming { get; init; }

    public async Task RunAsync(ChannelWriter<Delivery> output, CancellationToken cancellationToken)
    {
        try
        {
            await ClaimUntilStoppedAsync(output, cancellationToken);
        }
        catch (OperationCanceledException) when (StopClaiming.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Stopping: complete the output normally; what was claimed is in its attempts.
        }
    }

    private async Task ClaimUntilStoppedAsync(ChannelWriter<Delivery> output, CancellationToken graphToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(graphToken, StopClaiming);
        var cancellationToken = linked.Token;
        while (!cancellationToken.IsCancellationRequested)
        {
            await _gate.WaitIfPausedAsync(cancellationToken);
            await Slots.WaitAsync(cancellationToken);
            var permits = 1 + Slots.TakeFree(_options.MaxClaim - 1);
            try
            {
                var asked = permits;
                var claims = await _store.ClaimDeliveriesAsync(
                    _options.Owner, _lanes.Limits(), _lanes.LaneSize, asked, _options.Lease, Partitions(), cancellationToken);
                // Every delivery of the claim waits from now on, before the first is written: a write can block behind the
                // throttle until the graph stops, and a delivery not yet counted as waiting would keep its lease.
                var claimed = new List<Delivery>(claims.Count);
                foreach (var claim in claims)
                {
                    var lane = _lanes.Enter(claim.Item.Target!);
                    permits--; // the delivery holds it now, until its attempt is settled or it is handed back
                    var delivery = new Delivery(claim, lane, _time.GetTimestamp());
                    _waiting[claim.Item.Id] = delivery;
                    claimed.Add(delivery);
                }
                foreach (var delivery in claimed)
                {
                    // Once claimed, a delivery goes to its attempt even while stopping: the drain settles or hands it back.
                    await output.WriteAsync(delivery, graphToken);
                }
                Slots.Release(permits);
                permits = 0;
                if (claims.Count < asked)
                {
                    await _wake.WaitAsync(_options.PollInterval, _time, cancellationToken);
                }
            }
            finally
            {
                Slots.Release(permits);
            }
        }
    }

    /// <summary>Claimed deliveries whose attempt has not started yet.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>Call when a delivery's attempt starts: from then on the attempt settles or hands back its item.</summary>
    /// <remarks>This claim of the item only (as <see cref="Stages.Source.LeasedSource.Settled"/>): one whose lease ran out while it
    /// waited may be claimed again by this source, and that newer claim stays waiting.</remarks>
    public void Started(Delivery delivery) => _waiting.TryRemove(KeyValuePair.Create(delivery.Claim.Item.Id, delivery));

    /// <summary>
    /// Hands back every claimed delivery whose attempt never started (it still waited in the throttle when the graph
    /// stopped), frees its lane room and slot, and returns how many were handed back. Other nodes take them at once
    /// instead of waiting for the lease to expire.
    /// </summary>
    public async Task<int> HandBackWaitingAsync(IWorkQueue work, CancellationToken cancellationToken)
    {
        var handedBack = 0;
        foreach (var (id, delivery) in _waiting)
        {
            if (!_waiting.TryRemove(id, out _))
            {
                continue;
            }
            try
            {
                if (await work.ReleaseAsync(delivery.Claim.Item, cancellationToken))
                {
                    handedBack++;
                }
            }
            finally
            {
                _lanes.Leave(delivery.Lane);
                Slots.Release();
            }
        }
        return handedBack;
    }
}

/// <param name="Owner">This node's name, recorded on each lease.</param>
/// <param name="Lease">How long a claim lasts; longer than an attempt can take.</param>
/// <param name="MaxClaim">Most deliveries one claim statement takes.</param>
public sealed record DeliverySourceOptions(string Owner, TimeSpan Lease, TimeSpan PollInterval, int MaxClaim = 64);
