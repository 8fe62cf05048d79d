using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.Runtime;
using Pipeline.Actors.Work;
using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Pipeline.Streams.Pipelines.Running;
using Pipeline.Streams.Stages.Breaker;
using Pipeline.Streams.Stages.Buffer;
using Pipeline.Streams.Stages.Parallel;
using Pipeline.Streams.Stages.Pause;
using Pipeline.Streams.Stages.Retry;
using Pipeline.Streams.Stages.Source;
using Pipeline.Streams.Stages.Throttle;
using Pipeline.Streams.Telemetry;
using Pipeline.Streams.Tickets;
using Pipeline.Streams.WhatsApp;
using Polly.CircuitBreaker;

namespace Pipeline.Streams.Pipelines.Tickets;

using RegistrationClient = Pipeline.Actors.Engine.IEntityClient<RegistrationCommand, RegistrationReply>;

/// <summary>
/// The <c>tickets</c> and <c>whatsapp</c> pipelines as one graph, so a rendered PDF passes from one to the other in
/// memory and never touches disk:
/// <code>
/// leased source (tickets queue) → drain switch → valve (tickets.paused) → render (tickets.parallelism) →
///   buffer (whatsapp.bufferSize) → valve (whatsapp.paused) → throttle (whatsapp.ratePerSecond) →
///   send through the circuit breaker (whatsapp.parallelism) → settle
/// </code>
/// on Akka.Streams, every knob live (<see cref="LiveParallel{TIn, TOut}"/>, <see cref="LiveBuffer{T}"/>,
/// <see cref="LiveThrottle{T}"/>, <see cref="PauseValve"/>).
/// Every outcome is recorded on the registration entity first and the work item settled second: after a crash
/// between the two, the item comes back, the entity says the ticket is settled, and nothing is sent again.
/// </summary>
public sealed class TicketDeliveryPipeline
{
    private readonly IWorkQueue _work;
    private readonly RegistrationClient _registrations;
    private readonly TicketComposer _composer;
    private readonly IWhatsAppSender _sender;
    private readonly WhatsAppOptions _whatsApp;
    private readonly PipelineOptions _options;
    private readonly string _node;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RetrySchedule _retries;

    public TicketDeliveryPipeline(
        IWorkQueue work,
        RegistrationClient registrations,
        TicketComposer composer,
        IWhatsAppSender sender,
        WhatsAppOptions whatsApp,
        PipelineOptions options,
        string node,
        PipelineControl tickets,
        PipelineControl whatsAppControl,
        TimeProvider time,
        ILogger logger)
    {
        _work = work;
        _registrations = registrations;
        _composer = composer;
        _sender = sender;
        _whatsApp = whatsApp;
        _options = options;
        _node = node;
        _time = time;
        _logger = logger;
        Tickets = tickets;
        WhatsApp = whatsAppControl;
        Tickets.Supervisor = WhatsApp.Supervisor = Supervisor;
        _retries = new RetrySchedule(whatsApp.RetryDelays);
        WhatsApp.Breaker = new CircuitBreaker(new CircuitBreakerOptions
        {
            Name = PipelineNames.WhatsApp,
            FailureRatio = options.BreakerFailureRatio,
            MinimumThroughput = options.BreakerMinimumThroughput,
            SamplingDuration = options.BreakerSamplingDuration,
            BreakDuration = options.BreakerBreakDuration,
            // Only failures that say the service is unwell count; a bad number is that message's problem alone.
            ShouldHandle = static e => e is WhatsAppException { Retryable: true } or TimeoutException,
        }, time);
    }

    public PipelineControl Tickets { get; }

    public PipelineControl WhatsApp { get; }

    /// <summary>Where WhatsApp outcomes are counted (<c>/metrics</c>); none when null.</summary>
    public PipelineMetrics? Metrics { get; init; }

    /// <summary>The share of the queue this node claims (its work partitions); every item when not set.</summary>
    public Func<WorkPartitions> Partitions { get; init; } = static () => WorkPartitions.All;

    /// <summary>
    /// Runs the graph on <paramref name="materializer"/> until <paramref name="stopping"/> is canceled, restarting a
    /// failed run with backoff (<see cref="SupervisedGraph"/>). On stop it drains: claims nothing more, lets in-flight
    /// tickets finish for up to the drain timeout, then hands back whatever is unfinished, so no lease is left to
    /// expire. A send already under way is never cut: it finishes within the WhatsApp attempt timeout and is settled.
    /// </summary>
    public Task RunAsync(IMaterializer materializer, CancellationToken stopping)
    {
        // Never disposed: it lives as long as the pipeline, and is canceled at most once.
        var systemGone = new CancellationTokenSource();
        SupervisedGraph.SystemTerminated(materializer).ContinueWith(_ => systemGone.Cancel(), TaskScheduler.Default);
        _settling = systemGone.Token;
        return SupervisedGraph.RunAsync(PipelineNames.Tickets, Build, _options, Supervisor, materializer, _logger, stopping);
    }

    /// <summary>What cuts a send's recording short: only the end of the node's actor system, when nothing can be recorded any more.</summary>
    private CancellationToken _settling = CancellationToken.None;

    /// <summary>Both pipelines' restarts: they are one graph.</summary>
    public PipelineSupervisor Supervisor { get; } = new();

    /// <summary>One run of the graph; its claimed items are settled at its end or handed back by its cleanup.</summary>
    private Source<NotUsed, NotUsed> Build(GraphRun run)
    {
        var source = new LeasedSource(_work,
            new LeasedSourceOptions(OutboxRoutes.Tickets, _node, _options.LeaseDuration, _options.PollInterval, Tickets.Settings.Current.BufferSize),
            Tickets.Gate, _time, _logger)
        {
            CanClaim = () => !WhatsApp.Breaker!.IsRefusing,
            StopClaiming = run.StopClaiming,
            Partitions = Partitions,
        };
        run.Using(Tickets.Settings.OnChange(s =>
        {
            source.Budget.SetLimit(s.BufferSize);
            Tickets.Gate.Set(s.Paused);
        }));
        run.Using(WhatsApp.Settings.OnChange(s => WhatsApp.Gate.Set(s.Paused)));
        // Kept alive until the run's steps have all ended, not only until the run ends: a send that WhatsApp answered
        // is recorded and settled whatever the graph does meanwhile, and its lease must outlast that (run.Token ends
        // first, and with it the keep-alive; the lease then ran out under a record waiting for a fail-over, and another
        // claim sent the ticket again).
        var keepLeases = new CancellationTokenSource();
        var leases = source.KeepLeasesAsync(keepLeases.Token);
        run.Finally(async () =>
        {
            await keepLeases.CancelAsync();
            await leases;
            keepLeases.Dispose();
            var released = await source.ReleaseUnsettledAsync();
            if (released > 0)
            {
                _logger.LogInformation("Handed back {Count} unfinished tickets", released);
            }
        });
        // A failed item never reaches the end: settle it where it failed, or its permit leaks.
        async Task GiveBackAndSettleAsync(WorkItem item, Exception error, CancellationToken ct)
        {
            await GiveBackAsync(item, error, ct);
            source.Settled(item);
        }
        var render = run.Step<WorkItem, TicketJob>(Tickets.Counters, RenderAsync, GiveBackAndSettleAsync);
        var send = run.Step<TicketJob, TicketJob>(WhatsApp.Counters, SendAsync,
            (job, error, ct) => GiveBackAndSettleAsync(job.Item, error, ct));

        return run.Claims<WorkItem>(source.RunAsync)
            .Via(PauseValve.For<WorkItem>(Tickets.Settings, run.Using))
            .Via(new LiveParallel<WorkItem, TicketJob?>(Tickets.Settings, render))
            .Collect(job => job is not null, job => job!)
            // Rendered tickets wait here for their turn to be sent: whatsapp's queue depth, and its buffer size, live.
            .Via(new LiveBuffer<TicketJob>(WhatsApp.Settings, WhatsApp.Counters))
            .Via(PauseValve.For<TicketJob>(WhatsApp.Settings, run.Using))
            .Via(new LiveThrottle<TicketJob>(WhatsApp.Settings, _time))
            .Via(new LiveParallel<TicketJob, TicketJob?>(WhatsApp.Settings, send))
            .Collect(job => job is not null, job => job!)
            .Select(job =>
            {
                source.Settled(job.Item);
                return NotUsed.Instance;
            });
    }

    /// <summary>Renders the PDF unless the ticket is already settled (the item came back after its outcome was recorded).</summary>
    private async Task<TicketJob> RenderAsync(WorkItem item, CancellationToken cancellationToken)
    {
        var paid = JsonSerializer.Deserialize<RegistrationDocument>(item.Data, EventCodec<object>.DefaultOptions)
            ?? throw new InvalidOperationException($"Outbox message {item.MessageId} has no registration.");
        var reply = await _registrations.AskAsync(RegistrationState.KeyOf(paid.EventId, paid.MemberId), new GetRegistration(), cancellationToken);
        if (reply is not RegistrationReply.Current { Registration: { TicketStatus: RegistrationBehavior.TicketPending } registration })
        {
            await _work.CompleteAsync(item, cancellationToken);
            return new TicketJob(item, null, null);
        }
        var ticket = await _composer.RenderAsync(registration, cancellationToken);
        if (ticket is null)
        {
            await RecordAsync(registration, new RecordTicketAttempt(null, "the event or member no longer exists", Final: true), cancellationToken);
            await _work.KillAsync(item, "event or member missing", null, cancellationToken);
            return new TicketJob(item, null, null);
        }
        return new TicketJob(item, registration, ticket);
    }

    private async Task<TicketJob> SendAsync(TicketJob job, CancellationToken cancellationToken)
    {
        if (job.Ticket is not { } ticket || job.Registration is not { } registration)
        {
            return job; // settled while rendering
        }
        if (!await _work.ExtendAsync(job.Item, _options.LeaseDuration, cancellationToken))
        {
            // The lease ran out while the ticket waited and another claim may be sending it: do not send it too.
            _logger.LogWarning("Ticket {RegistrationId}: lease lost before sending; left to its new holder", registration.Id);
            return job;
        }

        // From here the graph's stop no longer cancels: a send cut short may have been accepted by WhatsApp, and handing
        // its item back would send the ticket twice. The attempt timeout bounds the send, so a drain waits at most that
        // long for it; its outcome is recorded and settled whatever the graph does meanwhile, unless the node's actor
        // system has ended (the cluster downed it): then nothing can be recorded here, and the item's lease runs out.
        var settling = _settling;
        string messageId;
        try
        {
            messageId = await WhatsApp.Breaker!.ExecuteAsync(ct => SendOnceAsync(ticket, ct), settling);
        }
        catch (BrokenCircuitException)
        {
            // Not an attempt: WhatsApp was not called. The item comes back when the circuit lets calls through.
            await _work.ReleaseAsync(job.Item, settling);
            return job;
        }
        catch (Exception error) when (error is WhatsAppException or TimeoutException)
        {
            await RecordFailureAsync(job.Item, registration, error, settling);
            return job;
        }

        await RecordAsync(registration, new RecordTicketAttempt(messageId, null, Final: false), settling);
        Metrics?.RecordWhatsApp(PipelineMetrics.WhatsAppOutcome.Sent);
        await _work.CompleteAsync(job.Item, settling);
        return job;
    }

    /// <summary>One attempt: upload and message together, bounded by the attempt timeout.</summary>
    private async ValueTask<string> SendOnceAsync(RenderedTicket ticket, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_whatsApp.AttemptTimeout);
        try
        {
            return await _sender.SendDocumentAsync(ticket.Phone, ticket.Pdf, ticket.FileName, $"Your ticket for {ticket.EventName}", timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The WhatsApp attempt took longer than {_whatsApp.AttemptTimeout}.");
        }
    }

    private async Task RecordFailureAsync(WorkItem item, RegistrationView registration, Exception error, CancellationToken cancellationToken)
    {
        var retryable = error is TimeoutException or WhatsAppException { Retryable: true };
        var failed = registration.TicketAttempts + 1;
        var delay = retryable ? _retries.NextDelay(failed, Random.Shared.NextDouble()) : null;
        var status = (error as WhatsAppException)?.HttpStatus;
        _logger.LogWarning("Ticket {RegistrationId} attempt {Attempt} failed ({Kind}): {Error}",
            registration.Id, failed, delay is null ? "final" : "will retry", error.Message);
        await RecordAsync(registration, new RecordTicketAttempt(null, error.Message, Final: delay is null), cancellationToken);
        Metrics?.RecordWhatsApp(delay is null ? PipelineMetrics.WhatsAppOutcome.Failed : PipelineMetrics.WhatsAppOutcome.Retry);
        if (delay is { } wait)
        {
            await _work.RetryAsync(item, wait, error.Message, status, cancellationToken);
        }
        else
        {
            await _work.KillAsync(item, error.Message, status, cancellationToken);
        }
    }

    /// <summary>
    /// Records the attempt on the registration. The message may already be with WhatsApp, so giving up here would send
    /// it again: while the registration's node is failing over (its shards unowned until the dead node is downed, every
    /// ask meanwhile timing out) the record is retried for <see cref="RecordPatience"/>, the work item's lease kept alive
    /// meanwhile.
    /// </summary>
    private async Task RecordAsync(RegistrationView registration, RecordTicketAttempt attempt, CancellationToken cancellationToken)
    {
        var key = RegistrationState.KeyOf(registration.EventId, registration.MemberId);
        var giveUpAt = _time.GetUtcNow() + RecordPatience;
        for (var tried = 1; ; tried++)
        {
            try
            {
                await _registrations.AskAsync(key, attempt, cancellationToken);
                return;
            }
            catch (Exception error) when (error is not OperationCanceledException && _time.GetUtcNow() < giveUpAt)
            {
                _logger.LogWarning("Ticket {RegistrationId}: recording attempt {Try} failed ({Error}); trying again", registration.Id, tried, error.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(tried, 5)), _time, cancellationToken);
            }
        }
    }

    /// <summary>
    /// How long an attempt's record is retried: well past a node's fail-over (its shards move once the split brain
    /// resolver has downed it, under a minute), since the item handed back after it would send the ticket again.
    /// </summary>
    private static readonly TimeSpan RecordPatience = TimeSpan.FromMinutes(2);

    /// <summary>An unexpected failure (storage down, a bug): hand the item back untouched and let the claim come again.</summary>
    private async Task GiveBackAsync(WorkItem item, Exception error, CancellationToken cancellationToken)
    {
        _logger.LogError(error, "Ticket work item {ItemId} failed unexpectedly; handing it back", item.Id);
        try
        {
            await _work.ReleaseAsync(item, cancellationToken);
        }
        catch (Exception releaseError) when (releaseError is not OperationCanceledException)
        {
            _logger.LogWarning(releaseError, "Could not hand back work item {ItemId}; its lease will expire", item.Id);
        }
    }
}
