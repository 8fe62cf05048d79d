using Pipeline.Streams.Graph;
using Pipeline.Streams.Pipelines.Running;
using Pipeline.Streams.Stages.Breaker;
using Pipeline.Streams.Stages.Pause;

namespace Pipeline.Streams.Pipelines;

/// <summary>
/// What operators see and turn of one pipeline: its live settings, counters, circuit and supervisor state.
/// The stages subscribe to <see cref="Settings"/>, so a change applies while the graph runs.
/// </summary>
public sealed class PipelineControl(string name, PipelineSettings initial)
{
    public string Name { get; } = name;

    public LiveSettings<PipelineSettings> Settings { get; } = PipelineSettings.Live(initial);

    public StageCounters Counters { get; } = new();

    public PauseGate Gate { get; } = new(initial.Paused);

    /// <summary>The circuit in front of the pipeline's external service, if it has one.</summary>
    public CircuitBreaker? Breaker { get; set; }

    /// <summary>Restarts of the graph that runs the pipeline; null when this node does not run it.</summary>
    public PipelineSupervisor? Supervisor { get; set; }
}
