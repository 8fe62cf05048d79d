using Pipeline.Actors.Work;

namespace Pipeline.Actors.Webhooks;

/// <summary>
/// Webhook endpoints, and the deliveries to them as operators and the delivery pipeline see them. Deliveries are work
/// items of <see cref="OutboxRoutes.Deliveries"/> (target = endpoint id), settled through <see cref="IWorkQueue"/>;
/// what this adds is what needs the endpoints table beside them: a claim that respects per-endpoint lanes and skips
/// deleted endpoints, and listings by endpoint and contract status.
/// </summary>
public interface IWebhookStore
{
    Task AddAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken = default);

    /// <summary>The endpoint, unless it does not exist or was deleted.</summary>
    Task<WebhookEndpoint?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Endpoints that are not deleted, in creation order, after <paramref name="afterPosition"/>.</summary>
    Task<IReadOnlyList<(long Position, WebhookEndpoint Endpoint)>> ListAsync(long afterPosition, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the endpoint and, in the same transaction, makes its pending deliveries dead ("endpoint deleted").
    /// False when there was no such endpoint (or it was deleted already).
    /// </summary>
    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Fans out claimed <see cref="OutboxRoutes.Webhooks"/> items (a database written by an earlier version holds them;
    /// new messages get their deliveries as they are stored) in one transaction: adds one delivery per endpoint that
    /// is not deleted and takes the item's type (a delivery that exists already is left alone, so a repeated fan-out adds
    /// nothing), and completes the items whose lease is still held. The endpoints are read in that transaction, locked
    /// against a concurrent delete, so an endpoint deleted before the fan-out gets nothing and one deleted after it has
    /// the new deliveries made dead by the delete. Returns how many deliveries were added.
    /// </summary>
    Task<int> FanOutAsync(IReadOnlyList<WorkItem> items, CancellationToken cancellationToken = default);

    /// <summary>
    /// Leases due deliveries to endpoints that are not deleted, oldest due first, at most <paramref name="limit"/> in all
    /// and at most the lane limit per endpoint: <paramref name="laneLimits"/> where it names the endpoint (0 claims
    /// nothing for it), <paramref name="defaultLaneLimit"/> for every other. A lost lease counts as an attempt, as in
    /// <see cref="IWorkQueue.ClaimAsync"/>, and the item is settled through <see cref="IWorkQueue"/>.
    /// </summary>
    Task<IReadOnlyList<DeliveryClaim>> ClaimDeliveriesAsync(
        string owner, IReadOnlyDictionary<string, int> laneLimits, int defaultLaneLimit, int limit, TimeSpan lease,
        CancellationToken cancellationToken = default) =>
        ClaimDeliveriesAsync(owner, laneLimits, defaultLaneLimit, limit, lease, WorkPartitions.All, cancellationToken);

    /// <summary>As the overload without partitions, deliveries of the given work partitions only (by item id), and those whose lease ran out.</summary>
    Task<IReadOnlyList<DeliveryClaim>> ClaimDeliveriesAsync(
        string owner, IReadOnlyDictionary<string, int> laneLimits, int defaultLaneLimit, int limit, TimeSpan lease,
        WorkPartitions partitions, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks a claimed delivery delivered, recording the endpoint's 2xx status (<see cref="IWorkQueue.CompleteAsync"/>
    /// records none). False when the lease was lost, as there.
    /// </summary>
    Task<bool> CompleteDeliveryAsync(WorkItem item, int status, CancellationToken cancellationToken = default);

    /// <summary>Deliveries to one endpoint, optionally of one status, newest first, with ids below <paramref name="beforeId"/>.</summary>
    Task<IReadOnlyList<WorkItemView>> ListDeliveriesAsync(
        string endpointId, DeliveryStatus? status, long beforeId, int limit, CancellationToken cancellationToken = default);

    /// <summary>One delivery, if it is a delivery to that endpoint.</summary>
    Task<WorkItemView?> GetDeliveryAsync(string endpointId, long deliveryId, CancellationToken cancellationToken = default);

    /// <summary>Makes a pending delivery that nobody holds due now (a manual retry of one that waits for its next attempt).</summary>
    Task<bool> MakeDueNowAsync(string endpointId, long deliveryId, CancellationToken cancellationToken = default);
}
