using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Pipeline.Actors.Webhooks;
using Pipeline.Actors.Work;
using Pipeline.Streams.Graph;

namespace Pipeline.Streams.Pipelines.Webhooks;

/// <summary>
/// Turns claimed <c>webhooks</c> items into deliveries: it takes every item waiting (up to <see cref="MaxBatch"/>) and
/// fans them out in one transaction (<see cref="IWebhookStore.FanOutAsync"/>), so a burst of messages costs one write,
/// not two per message (on SQLite every write waits for the one writer and a sync to disk). Each item is passed on
/// once its batch is settled, for the source to count it as such.
/// </summary>
public sealed class FanOutStage(IWebhookStore store, IWorkQueue work, Action deliveriesAdded, ILogger logger) : IStage<WorkItem, WorkItem>
{
    public const int MaxBatch = 64;

    public async Task RunAsync(ChannelReader<WorkItem> input, ChannelWriter<WorkItem> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        var batch = new List<WorkItem>(MaxBatch);
        while (await input.WaitToReadAsync(cancellationToken))
        {
            while (batch.Count < MaxBatch && input.TryRead(out var item))
            {
                batch.Add(item);
            }
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
            foreach (var item in batch)
            {
                await output.WriteAsync(item, cancellationToken);
            }
            batch.Clear();
        }
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
