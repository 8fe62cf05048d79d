using Pipeline.Actors.Persistence;

namespace Pipeline.Host.Storage;

/// <summary>Applies pending schema migrations before the server accepts requests (hosted services start first).</summary>
internal sealed class StorageMigration(IStorage storage, ILogger<StorageMigration> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var applied = await storage.Migrator.MigrateAsync(cancellationToken);
        logger.LogInformation("Storage {Provider} ready; migrations applied now: {Applied}",
            storage.Provider, applied.Count == 0 ? "none" : string.Join(", ", applied));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
