using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Host.Pipelines;
using Pipeline.Streams.Pipelines.Running;
using Polly.CircuitBreaker;

namespace Pipeline.Host.Operations.Health;

/// <summary>
/// One pipeline: healthy while its graph runs under its supervisor; unhealthy while it backs off after a failure,
/// gave up, or stopped; degraded (still ready) while its circuit refuses calls to the service behind it. A pipeline
/// this node does not host (no supervisor) is reported as such and does not fail readiness.
/// </summary>
internal sealed class PipelineHealthCheck(PipelineRegistry pipelines, string name) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var control = pipelines[name];
        var data = new Dictionary<string, object>();
        if (control.Supervisor is not { } supervisor)
        {
            return Task.FromResult(HealthCheckResult.Healthy("Not hosted on this node."));
        }
        data["restarts"] = supervisor.Restarts;
        var result = supervisor.State switch
        {
            RestartState.Running when control.Breaker?.State is CircuitState.Open or CircuitState.Isolated =>
                HealthCheckResult.Degraded("Running; its circuit is open, so calls to the service behind it wait.", data: data),
            RestartState.Running => HealthCheckResult.Healthy("Running.", data: data),
            RestartState.BackingOff => HealthCheckResult.Unhealthy(
                $"Failed ({supervisor.LastFailure?.GetType().Name ?? "unknown error"}); restarting after a backoff.", data: data),
            RestartState.NotStarted => HealthCheckResult.Unhealthy("Not started yet.", data: data),
            RestartState.GaveUp => HealthCheckResult.Unhealthy(
                $"Gave up after repeated failures ({supervisor.LastFailure?.GetType().Name ?? "unknown error"}).", data: data),
            _ => HealthCheckResult.Unhealthy($"Not running ({supervisor.State}).", data: data),
        };
        return Task.FromResult(result);
    }
}
