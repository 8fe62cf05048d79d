using Akka.Actor;
using Microsoft.Extensions.Options;
using Pipeline.Actors.Cluster;
using Pipeline.Actors.Persistence;
using Pipeline.Host.Configuration;
using Pipeline.Host.Pipelines;

namespace Pipeline.Host.Engine;

/// <summary>
/// Joins this node's actor system to its cluster (<see cref="ClusterFormation"/>) and waits for the journal, before the
/// server takes requests: a node answers only once it can reach every entity.
/// </summary>
internal sealed class ClusterJoinService(
    ActorSystem system,
    IStorage storage,
    NodeIdentity identity,
    IOptions<ClusterOptions> cluster,
    IOptions<NodeOptions> node,
    ILogger<ClusterJoinService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await ClusterFormation.JoinAsync(system, storage.ClusterSeeds,
            cluster.Value.JoinSettings(identity.Name, node.Value, storage.Provider), logger, cancellationToken);
        // The journal creates its tables when it starts; the projection reads them, so wait for it before serving.
        await EngineServices.JournalReadyAsync(system).WaitAsync(cancellationToken);
        // The journal's unique key, which its plugin leaves out on PostgreSQL; its table may show a moment after the above.
        for (var tried = 1; !await storage.Migrator.EnsureJournalKeyAsync(cancellationToken); tried++)
        {
            if (tried == 40)
            {
                throw new InvalidOperationException("The journal table event_journal did not appear within 10 s of the journal starting.");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
