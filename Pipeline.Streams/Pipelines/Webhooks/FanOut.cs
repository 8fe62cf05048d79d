using Microsoft.Extensions.Logging;
using Pipeline.Actors.Webhooks;
using Pipeline.Actors.Work;

namespace Pipeline.Streams.Pipelines.Webhooks;

/// <summary>
/// Turns claimed <c>webhooks</c> items into deliveries: the graph batches every item waiting (up to
/// <see cref="MaxBatch"/>, Akka's <c>Batch</c> while the previous fan-out runs) and this fans them out in one
/// transaction (<see cref="IWebhookStore.FanOutAsync"/>), so a burst of messages costs one write, not two per message
/// (on SQLite every write waits for the one writer and a sync to disk). The batch is returned once it is settled, for
/// the source to count each item as such.
/// </summary>
public sealed class FanOut(IWebhookStore store, IWorkQueue work, Action deliveriesAdded, ILogger logger)
{
    public const int MaxBatch = 64;

    public async Task<IReadOnlyList<WorkItem>> ApplyAsync(IReadOnlyList<WorkItem> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        try
        {
            if (await store.FanOutAsync(batch, cancellationToken) > 0)
            {
                deliveriesAdded();
            }
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError(error, "Fan-out of {Count} messages failed; handing them back", batch.Count);
            await GiveBackAsync(batch, cancellationToken);
        }
        return batch;
    }

    private async Task GiveBackAsync(IEnumerable<WorkItem> items, CancellationToken cancellationToken)
    {
        foreach (var item in items)
        {
            try
            {
                await work.ReleaseAsync(item, cancellationToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                logger.LogWarning(error, "Could not hand back fan-out item {ItemId}; its lease will expire", item.Id);
            }
        }
    }
}
