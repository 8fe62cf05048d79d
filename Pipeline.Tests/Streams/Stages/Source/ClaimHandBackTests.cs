using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Actors.Webhooks;
using Pipeline.Actors.Work;
using Pipeline.Streams.Graph;
using Pipeline.Streams.Pipelines.Webhooks;
using Pipeline.Streams.Stages.Pause;
using Pipeline.Streams.Stages.Source;
using Pipeline.Streams.Webhooks;
using Pipeline.Tests.Fakes;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Stages.Source;

/// <summary>
/// A claim takes several items at once, and writes them downstream one by one, where a full stage (a throttle, a busy
/// render) can block a write until the graph stops. Every item of the claim is handed back then, the ones still waiting
/// to be written included, so none keeps its lease on a node that is gone.
/// </summary>
public sealed class ClaimHandBackTests
{
    private const int Claimed = 3;

    [Fact]
    public async Task A_leased_source_stopped_while_its_claim_waits_to_go_downstream_hands_back_every_item_of_the_claim()
    {
        var queue = new OneClaimQueue(Enumerable.Range(1, Claimed).Select(i => Item(i, target: null)).ToList());
        var source = new LeasedSource(queue, new LeasedSourceOptions("tickets", "node-a", TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(10), Budget: 8),
            new PauseGate(), TimeProvider.System, NullLogger.Instance);
        var output = Channel.CreateBounded<WorkItem>(1); // room for the first item; nobody reads

        using var graph = new CancellationTokenSource();
        var run = source.RunAsync(output.Writer, graph.Token);
        Assert.True(await Eventually.HoldsAsync(() => output.Reader.Count == 1, TimeSpan.FromSeconds(10)), "the first item went downstream");
        await graph.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.Equal(Claimed, await source.ReleaseUnsettledAsync());
        Assert.Equal(Enumerable.Range(1, Claimed).Select(i => (long)i), queue.Released.Order());
    }

    [Fact]
    public async Task A_delivery_source_stopped_while_its_claim_waits_for_the_throttle_hands_back_every_delivery_of_the_claim()
    {
        var queue = new OneClaimQueue(Enumerable.Range(1, Claimed).Select(i => Item(i, target: "endpoint-1")).ToList());
        var slots = new ResizableLimit(16);
        var lanes = new DeliveryLanes(new WebhookOptions(), TimeProvider.System);
        var source = new DeliverySource(new OneClaimStore(queue), lanes, slots, new WakeSignal(), new PauseGate(),
            new DeliverySourceOptions("node-a", TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(10)), TimeProvider.System);
        var output = Channel.CreateBounded<Delivery>(1); // the throttle's side: room for one, then it waits

        using var graph = new CancellationTokenSource();
        var run = source.RunAsync(output.Writer, graph.Token);
        Assert.True(await Eventually.HoldsAsync(() => output.Reader.Count == 1, TimeSpan.FromSeconds(10)), "the first delivery went to the throttle");
        await graph.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.Equal(Claimed, await source.HandBackWaitingAsync(queue, CancellationToken.None));
        Assert.Equal(Enumerable.Range(1, Claimed).Select(i => (long)i), queue.Released.Order());
        Assert.Equal(0, lanes.InFlightOf("endpoint-1")); // lane room and slots come back with them
        Assert.Equal(0, slots.InUse);
    }

    private static WorkItem Item(long id, string? target) =>
        new(id, target is null ? "tickets" : "deliveries", $"message-{id}", target, "batch.depleted", $"batch/{id}", "{}",
            DateTimeOffset.UtcNow, 0, $"token-{id}", DateTimeOffset.UtcNow.AddMinutes(5));

    /// <summary>A queue whose first claim returns the items and every later one nothing; records what is handed back.</summary>
    private sealed class OneClaimQueue(IReadOnlyList<WorkItem> items) : WorkQueueStub
    {
        private int _claims;

        public ConcurrentBag<long> Released { get; } = [];

        public IReadOnlyList<WorkItem> TakeOnce() => Interlocked.Increment(ref _claims) == 1 ? items : [];

        public override Task<IReadOnlyList<WorkItem>> ClaimAsync(string queue, string owner, int limit, TimeSpan lease, CancellationToken cancellationToken = default) =>
            Task.FromResult(TakeOnce());

        public override Task<bool> ReleaseAsync(WorkItem item, CancellationToken cancellationToken = default)
        {
            Released.Add(item.Id);
            return Task.FromResult(true);
        }

        public override Task<bool> ExtendAsync(WorkItem item, TimeSpan lease, CancellationToken cancellationToken = default) => Task.FromResult(true);
    }

    /// <summary>Deliveries claimed from <see cref="OneClaimQueue"/>, to one endpoint.</summary>
    private sealed class OneClaimStore(OneClaimQueue queue) : IWebhookStore
    {
        public Task<IReadOnlyList<DeliveryClaim>> ClaimDeliveriesAsync(
            string owner, IReadOnlyDictionary<string, int> laneLimits, int defaultLaneLimit, int limit, TimeSpan lease,
            WorkPartitions partitions, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<DeliveryClaim>>(queue.TakeOnce().Select(i => new DeliveryClaim(i, "http://127.0.0.1:9/hook", "secret")).ToList());

        public Task AddAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<WebhookEndpoint?> GetAsync(string id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<(long Position, WebhookEndpoint Endpoint)>> ListAsync(long afterPosition, int limit, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<int> FanOutAsync(IReadOnlyList<WorkItem> items, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> CompleteDeliveryAsync(WorkItem item, int status, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<WorkItemView>> ListDeliveriesAsync(
            string endpointId, DeliveryStatus? status, long beforeId, int limit, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<WorkItemView?> GetDeliveryAsync(string endpointId, long deliveryId, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<bool> MakeDueNowAsync(string endpointId, long deliveryId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
