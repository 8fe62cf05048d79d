using System.Text.Json.Serialization;
using Pipeline.Actors.Work;
using Pipeline.Host.Pipelines;
using Pipeline.Streams.Pipelines.Running;
using Polly.CircuitBreaker;

namespace Pipeline.Host.Api.Pipelines;

internal sealed record PipelineListResponse(IReadOnlyList<PipelineResponse> Pipelines);

/// <summary>
/// One pipeline: its four live settings at the top level (the same fields <c>PUT</c> takes), then its state.
/// </summary>
/// <param name="CircuitState"><c>closed</c>, <c>open</c>, <c>half-open</c>, or null when the pipeline has no breaker.</param>
/// <param name="Supervisor">Null when this node does not host the pipeline.</param>
/// <param name="Mode"><c>live</c> or <c>sandbox</c> for <c>whatsapp</c>; left out for the others.</param>
internal sealed record PipelineResponse(
    string Name,
    double RatePerSecond,
    int Parallelism,
    int BufferSize,
    bool Paused,
    long? QueueDepth,
    QueueResponse? Queue,
    long InFlight,
    string? CircuitState,
    long Processed,
    long Failed,
    SupervisorResponse? Supervisor,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Mode)
{
    public static PipelineResponse From(PipelineStatus status) => new(
        status.Name,
        status.Settings.RatePerSecond,
        status.Settings.Parallelism,
        status.Settings.BufferSize,
        status.Settings.Paused,
        status.QueueDepth,
        status.Queue is { } queue ? new QueueResponse(queue.Ready, queue.Scheduled, queue.Leased, queue.Dead) : null,
        status.InFlight,
        status.Circuit switch
        {
            null => null,
            Polly.CircuitBreaker.CircuitState.Closed => "closed",
            Polly.CircuitBreaker.CircuitState.HalfOpen => "half-open",
            _ => "open", // Open, or Isolated (held open by hand)
        },
        status.Processed,
        status.Failed,
        status.Supervisor is { } state ? new SupervisorResponse(StateName(state), status.Restarts) : null,
        status.Mode);

    private static string StateName(RestartState state) => state switch
    {
        RestartState.NotStarted => "not-started",
        RestartState.Running => "running",
        RestartState.BackingOff => "backing-off",
        RestartState.Completed => "completed",
        RestartState.Stopped => "stopped",
        _ => "gave-up",
    };
}

/// <param name="Ready">Due now, not claimed.</param>
/// <param name="Scheduled">Waiting for a retry.</param>
/// <param name="Leased">Claimed by some node right now.</param>
/// <param name="Dead">Out of attempts; retried only by hand.</param>
internal sealed record QueueResponse(long Ready, long Scheduled, long Leased, long Dead);

/// <param name="State"><c>running</c>, <c>backing-off</c> (failed, waiting to restart), <c>not-started</c>, <c>completed</c>, <c>stopped</c> or <c>gave-up</c>.</param>
/// <param name="Restarts">Restarts since this node started.</param>
internal sealed record SupervisorResponse(string State, int Restarts);
