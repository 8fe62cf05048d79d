using Pipeline.Actors.Work;
using Pipeline.Streams.Graph;
using Pipeline.Streams.Pipelines.Running;
using Polly.CircuitBreaker;

namespace Pipeline.Host.Pipelines;

/// <summary>One pipeline as operators see it: settings, backlog, work in hand, circuit, totals and supervisor.</summary>
/// <param name="QueueDepth">Items waiting: ready work in its storage queues, or for <c>whatsapp</c> rendered tickets waiting to be sent. Null when storage did not answer.</param>
/// <param name="Queue">The storage queues' full breakdown, for pipelines fed by storage; null otherwise.</param>
/// <param name="Circuit">Null for a pipeline without a circuit breaker.</param>
/// <param name="Supervisor">Null when this node does not host the pipeline.</param>
/// <param name="Mode">How <c>whatsapp</c> sends: <c>live</c>, or <c>sandbox</c> (recorded locally, never sent). Null for the others.</param>
public sealed record PipelineStatus(
    string Name,
    PipelineSettings Settings,
    long? QueueDepth,
    QueueDepth? Queue,
    long InFlight,
    CircuitState? Circuit,
    long Processed,
    long Failed,
    RestartState? Supervisor,
    int Restarts,
    string? Mode);
