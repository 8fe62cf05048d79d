using Microsoft.Extensions.Options;
using Pipeline.Actors.Persistence;
using Pipeline.Actors.Work;
using Pipeline.Streams.Pipelines;
using Pipeline.Streams.WhatsApp;

namespace Pipeline.Host.Pipelines;

/// <summary>Reads every pipeline's <see cref="PipelineStatus"/>: live numbers from its control, backlog from its storage queues.</summary>
public sealed class PipelineStatusReader(
    PipelineRegistry registry, IStorage storage, IOptions<WhatsAppOptions> whatsApp, ILogger<PipelineStatusReader> logger)
{
    /// <summary>The storage queues each pipeline drains; <c>whatsapp</c> is fed in memory by <c>tickets</c> and has none.</summary>
    public static IReadOnlyList<string> QueuesOf(string pipeline) => pipeline switch
    {
        PipelineNames.Tickets => [OutboxRoutes.Tickets],
        PipelineNames.Webhooks => [OutboxRoutes.Webhooks, OutboxRoutes.Deliveries],
        _ => [],
    };

    public async Task<IReadOnlyList<PipelineStatus>> ReadAllAsync(CancellationToken cancellationToken)
    {
        var all = new List<PipelineStatus>();
        foreach (var pipeline in registry.All)
        {
            all.Add(await ReadAsync(pipeline, cancellationToken));
        }
        return all;
    }

    public async Task<PipelineStatus> ReadAsync(PipelineControl pipeline, CancellationToken cancellationToken)
    {
        var queues = QueuesOf(pipeline.Name);
        var jobs = pipeline.Name == PipelineNames.Jobs;
        var queue = jobs ? await JobDepthAsync(cancellationToken) : queues.Count == 0 ? null : await DepthAsync(queues, cancellationToken);
        var counters = pipeline.Counters;
        return new PipelineStatus(
            pipeline.Name,
            pipeline.Settings.Current,
            queues.Count == 0 && !jobs ? counters.QueueDepth : queue?.Ready,
            queue,
            counters.InFlight,
            pipeline.Breaker?.State,
            counters.Processed,
            counters.Failed,
            pipeline.Supervisor?.State,
            pipeline.Supervisor?.Restarts ?? 0,
            ModeOf(pipeline.Name));
    }

    private string? ModeOf(string pipeline) => pipeline == PipelineNames.WhatsApp
        ? whatsApp.Value.IsSandbox ? PipelineModes.Sandbox : PipelineModes.Live
        : null;

    /// <summary>The jobs table as a queue: running jobs are its leased items, failed ones its dead; null when storage fails.</summary>
    private async Task<QueueDepth?> JobDepthAsync(CancellationToken cancellationToken)
    {
        try
        {
            var depth = await storage.Jobs.DepthAsync(cancellationToken);
            return new QueueDepth(depth.Ready, depth.Scheduled, depth.Running, depth.Failed);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(error, "Could not read the depth of the jobs queue");
            return null;
        }
    }

    /// <summary>The queues' depths added up; null when storage fails, so the live numbers still reach the operator.</summary>
    private async Task<QueueDepth?> DepthAsync(IReadOnlyList<string> queues, CancellationToken cancellationToken)
    {
        try
        {
            var total = new QueueDepth(0, 0, 0, 0);
            foreach (var name in queues)
            {
                var depth = await storage.Work.DepthAsync(name, cancellationToken);
                total = new QueueDepth(total.Ready + depth.Ready, total.Scheduled + depth.Scheduled, total.Leased + depth.Leased, total.Dead + depth.Dead);
            }
            return total;
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(error, "Could not read the depth of queues {Queues}", string.Join(", ", queues));
            return null;
        }
    }
}
