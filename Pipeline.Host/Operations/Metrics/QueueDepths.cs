using Pipeline.Actors.Persistence;
using Pipeline.Actors.Work;

namespace Pipeline.Host.Operations.Metrics;

/// <summary>The work queues' depths, read from storage at most every 2 s (a depth query counts rows).</summary>
internal sealed class QueueDepths(IStorage storage, TimeProvider time, ILogger<QueueDepths> logger)
    : PolledReading<IReadOnlyDictionary<string, QueueDepth>>(new Dictionary<string, QueueDepth>(), TimeSpan.FromSeconds(2), time, logger)
{
    public static readonly IReadOnlyList<string> Queues = [OutboxRoutes.Tickets, OutboxRoutes.Webhooks, OutboxRoutes.Deliveries];

    protected override async Task<IReadOnlyDictionary<string, QueueDepth>> ReadAsync(CancellationToken cancellationToken)
    {
        var depths = new Dictionary<string, QueueDepth>(StringComparer.Ordinal);
        foreach (var queue in Queues)
        {
            depths[queue] = await storage.Work.DepthAsync(queue, cancellationToken);
        }
        return depths;
    }
}
