using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Actors.Persistence;

namespace Pipeline.Host.Operations.Health;

/// <summary>Ready only when the database answers a trivial query within <see cref="Timeout"/>.</summary>
internal sealed class StorageHealthCheck(IStorage storage) : IHealthCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            return await storage.PingAsync(timeout.Token)
                ? HealthCheckResult.Healthy($"{storage.Provider} answers.")
                : HealthCheckResult.Unhealthy($"{storage.Provider} does not answer.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"{storage.Provider} did not answer within {Timeout.TotalSeconds:0} s.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The exception's type only: messages of database drivers may name hosts or users.
            return HealthCheckResult.Unhealthy($"{storage.Provider} failed: {ex.GetType().Name}.");
        }
    }
}
