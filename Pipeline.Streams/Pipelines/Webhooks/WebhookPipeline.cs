using Microsoft.Extensions.Logging;
using Pipeline.Actors.Webhooks;
using Pipeline.Actors.Work;
using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Pipeline.Streams.Graph;
using Pipeline.Streams.Pipelines.Running;
using Pipeline.Streams.Stages.Parallel;
using Pipeline.Streams.Stages.Source;
using Pipeline.Streams.Stages.Throttle;
using Pipeline.Streams.Telemetry;
using Pipeline.Streams.Webhooks;
using Polly.CircuitBreaker;

namespace Pipeline.Streams.Pipelines.Webhooks;

/// <summary>
/// The <c>webhooks</c> pipeline, two flows in one graph:
/// <code>
/// fan-out:   leased source (webhooks queue) → drain switch → batch → in one transaction each: one delivery per
///            subscribed endpoint, and the fan-out items completed → settle (only items an earlier version left: the
///            journal projection now adds a message's deliveries in the transaction that stores it)
/// delivery:  lane-aware claim (deliveries queue) → drain switch → throttle (ratePerSecond, live) → attempt in the
///            endpoint's lane, through its circuit → complete | retry on the schedule | dead
/// </code>
/// on Akka.Streams (<see cref="SupervisedGraph"/>: restart with backoff, drain on stop).
/// A fan-out adds each delivery once however often it runs, so one repeated after a crash adds nothing. Every
/// attempt of a message carries the outbox message id as <c>webhook-id</c>. Isolation between endpoints is the lanes'
/// (<see cref="DeliveryLanes"/>) and the claim's (<see cref="DeliverySource"/>): see there.
/// </summary>
/// <remarks>
/// Live settings: <c>parallelism</c> is attempts in flight on this node, <c>bufferSize</c> the fan-out items claimed
/// at once, <c>ratePerSecond</c> attempts started per second, <c>paused</c> stops both claims
/// (attempts in flight finish).
/// </remarks>
public sealed class WebhookPipeline
{
    /// <summary>What a delivery lease adds to the attempt timeout: time to settle the item after the attempt ended.</summary>
    public static readonly TimeSpan SettleMargin = TimeSpan.FromSeconds(5);

    /// <summary>How long a graph being stopped waits to hand back an interrupted attempt's item.</summary>
    private static readonly TimeSpan HandBackTimeout = TimeSpan.FromSeconds(2);

    private readonly IWorkQueue _work;
    private readonly IWebhookStore _store;
    private readonly WebhookSender _sender;
    private readonly WebhookOptions _webhooks;
    private readonly PipelineOptions _options;
    private readonly string _node;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly WebhookRetryPolicy _retries;

    public WebhookPipeline(
        IWorkQueue work,
        IWebhookStore store,
        WebhookSender sender,
        WebhookOptions webhooks,
        PipelineOptions options,
        string node,
        PipelineControl control,
        TimeProvider time,
        ILogger logger)
    {
        _work = work;
        _store = store;
        _sender = sender;
        _webhooks = webhooks;
        _options = options;
        _node = node;
        _time = time;
        _logger = logger;
        Control = control;
        Control.Supervisor = Supervisor;
        _retries = new WebhookRetryPolicy(webhooks.RetryDelays);
    }

    public PipelineControl Control { get; }

    /// <summary>Where delivery outcomes are counted (<c>/metrics</c>); none when null.</summary>
    public PipelineMetrics? Metrics { get; init; }

    /// <summary>The share of the queue this node claims (its work partitions); every item when not set.</summary>
    public Func<WorkPartitions> Partitions { get; init; } = static () => WorkPartitions.All;

    /// <summary>The lanes of the graph running now (null before the first run): attempts in flight and circuit per endpoint.</summary>
    public DeliveryLanes? Lanes { get; private set; }

    /// <summary>A delivery's lease: it must outlast an attempt, or a slow attempt would be claimed again by another node meanwhile.</summary>
    public TimeSpan DeliveryLease => _options.LeaseDuration > _webhooks.AttemptTimeout + SettleMargin
        ? _options.LeaseDuration
        : _webhooks.AttemptTimeout + SettleMargin;

    /// <summary>Restarts of the graph (this node runs it).</summary>
    public PipelineSupervisor Supervisor { get; } = new();

    /// <summary>
    /// Runs the graph on <paramref name="materializer"/> until <paramref name="stopping"/> is canceled, restarting a
    /// failed run with backoff (<see cref="SupervisedGraph"/>). On stop it drains: claims nothing more, lets attempts
    /// in flight finish for up to the drain timeout, then cancels the rest, which hand their items back, so no lease is
    /// left to expire.
    /// </summary>
    public Task RunAsync(IMaterializer materializer, CancellationToken stopping) =>
        SupervisedGraph.RunAsync(PipelineNames.Webhooks, Build, _options, Supervisor, materializer, _logger, stopping);

    /// <summary>One run: the fan-out and the deliveries, merged into one stream so they run, fail and restart together.</summary>
    private Source<NotUsed, NotUsed> Build(GraphRun run)
    {
        var settings = Control.Settings.Current;
        var wake = new WakeSignal();
        var lanes = Lanes = new DeliveryLanes(_webhooks, _time);
        var fanOutSource = new LeasedSource(_work,
            new LeasedSourceOptions(OutboxRoutes.Webhooks, _node, _options.LeaseDuration, _options.PollInterval, settings.BufferSize, FanOut.MaxBatch),
            Control.Gate, _time, _logger)
        {
            StopClaiming = run.StopClaiming,
            Partitions = Partitions,
        };
        var deliveries = new DeliverySource(_store, lanes, new ResizableLimit(settings.Parallelism), wake, Control.Gate,
            new DeliverySourceOptions(_node, DeliveryLease, _options.PollInterval), _time)
        {
            StopClaiming = run.StopClaiming,
            Partitions = Partitions,
        };
        run.Using(Control.Settings.OnChange(s =>
        {
            fanOutSource.Budget.SetLimit(s.BufferSize);
            deliveries.Slots.SetLimit(s.Parallelism);
            Control.Gate.Set(s.Paused);
        }));
        var keepLeases = fanOutSource.KeepLeasesAsync(run.Token);
        run.Finally(async () =>
        {
            await keepLeases;
            var released = await fanOutSource.ReleaseUnsettledAsync();
            if (released > 0)
            {
                _logger.LogInformation("Handed back {Count} messages not yet fanned out", released);
            }
            await HandBackWaitingAsync(deliveries);
        });
        var fanOut = new FanOut(_store, _work, wake.Pulse, _logger);

        // A claim's items wait in the channel together, so the fan-out takes them as one batch.
        var fannedOut = run.Claims<WorkItem>(fanOutSource.RunAsync, capacity: FanOut.MaxBatch)
            .Batch(FanOut.MaxBatch, item => new List<WorkItem> { item }, (batch, item) =>
            {
                batch.Add(item);
                return batch;
            })
            .SelectAsync(1, batch => run.Track(fanOut.ApplyAsync(batch, run.Token)))
            .SelectMany(batch => batch)
            .Select(item =>
            {
                fanOutSource.Settled(item);
                return NotUsed.Instance;
            });
        // Attempts in flight are bounded by the claim (each holds one of the parallelism's slots until it is settled),
        // so this step never holds the throttle back: the slot and the lane room were taken at the claim.
        var delivered = run.Claims<Delivery>(deliveries.RunAsync)
            .Via(new LiveThrottle<Delivery>(Control.Settings, _time))
            .SelectAsyncUnordered(ParallelDefaults.MaxParallelism, delivery =>
            {
                deliveries.Started(delivery);
                return run.Track(AttemptAsync(delivery, lanes, deliveries.Slots, wake, run.Token));
            });
        return fannedOut.Merge(delivered);
    }

    /// <summary>One attempt, settled whatever happens: it never throws.</summary>
    private async Task<NotUsed> AttemptAsync(Delivery delivery, DeliveryLanes lanes, ResizableLimit slots, WakeSignal wake, CancellationToken cancellationToken)
    {
        var item = delivery.Claim.Item;
        Control.Counters.AddInFlight(1);
        try
        {
            // Normally an attempt starts within milliseconds of its claim. One that waited (a throttle turned low) makes
            // sure its lease is still its own, and long enough for the attempt, before it sends anything.
            if (_time.GetElapsedTime(delivery.ClaimedAt) > SettleMargin && !await _work.ExtendAsync(item, DeliveryLease, cancellationToken))
            {
                _logger.LogWarning("Delivery {DeliveryId} waited past its lease before its attempt; another node has it now", item.Id);
                return NotUsed.Instance;
            }
            int status;
            try
            {
                status = await delivery.Lane.Breaker.ExecuteAsync(ct => _sender.SendAsync(delivery.Claim, ct), cancellationToken);
            }
            catch (BrokenCircuitException)
            {
                // Not an attempt: the endpoint was not called. Its lane claims nothing more until the circuit lets a trial through.
                await _work.ReleaseAsync(item, cancellationToken);
                return NotUsed.Instance;
            }
            catch (WebhookDeliveryException failure)
            {
                Control.Counters.IncrementFailed();
                await SettleFailureAsync(item, failure, cancellationToken);
                return NotUsed.Instance;
            }
            Control.Counters.IncrementProcessed();
            Metrics?.RecordWebhookDelivery(PipelineMetrics.WebhookOutcome.Delivered);
            if (!await _store.CompleteDeliveryAsync(item, status, cancellationToken))
            {
                _logger.LogWarning("Delivery {DeliveryId} of {MessageId} was sent but its lease was lost (endpoint deleted or lease expired)",
                    item.Id, item.MessageId);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await HandBackAsync(item);
        }
        catch (Exception error)
        {
            _logger.LogError(error, "Delivery {DeliveryId} failed unexpectedly; handing it back", item.Id);
            await HandBackAsync(item);
        }
        finally
        {
            lanes.Leave(delivery.Lane);
            slots.Release();
            wake.Pulse();
            Control.Counters.AddInFlight(-1);
        }
        return NotUsed.Instance;
    }

    private async Task SettleFailureAsync(WorkItem item, WebhookDeliveryException failure, CancellationToken cancellationToken)
    {
        var failed = item.Attempts + 1;
        var delay = _retries.NextDelay(failed, failure, Random.Shared.NextDouble());
        Metrics?.RecordWebhookDelivery(delay is null ? PipelineMetrics.WebhookOutcome.Dead : PipelineMetrics.WebhookOutcome.Failed);
        if (delay is { } wait)
        {
            _logger.LogInformation("Delivery {DeliveryId} of {MessageId} to {EndpointId} failed (attempt {Attempt}: {Error}); retrying in {Delay}",
                item.Id, item.MessageId, item.Target, failed, failure.Message, wait);
            await _work.RetryAsync(item, wait, failure.Message, failure.Status, cancellationToken);
        }
        else
        {
            _logger.LogWarning("Delivery {DeliveryId} of {MessageId} to {EndpointId} is dead after attempt {Attempt}: {Error}",
                item.Id, item.MessageId, item.Target, failed, failure.Message);
            await _work.KillAsync(item, failure.Message, failure.Status, cancellationToken);
        }
    }

    /// <summary>Deliveries claimed but still waiting for the throttle when the graph stopped: back to the queue, not left to expire.</summary>
    private async Task HandBackWaitingAsync(DeliverySource deliveries)
    {
        using var timeout = new CancellationTokenSource(HandBackTimeout);
        try
        {
            var handedBack = await deliveries.HandBackWaitingAsync(_work, timeout.Token);
            if (handedBack > 0)
            {
                _logger.LogInformation("Handed back {Count} deliveries whose attempts had not started", handedBack);
            }
        }
        catch (Exception error)
        {
            _logger.LogWarning(error, "Could not hand back {Count} waiting deliveries; their leases will expire", deliveries.Waiting);
        }
    }

    /// <summary>An interrupted attempt (the graph stops) or an unexpected failure: hand the item back without counting an attempt.</summary>
    private async Task HandBackAsync(WorkItem item)
    {
        using var timeout = new CancellationTokenSource(HandBackTimeout);
        try
        {
            await _work.ReleaseAsync(item, timeout.Token);
        }
        catch (Exception error)
        {
            _logger.LogWarning(error, "Could not hand back delivery {DeliveryId}; its lease will expire", item.Id);
        }
    }
}
