using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Options;
using Pipeline.Actors.Cluster;
using Pipeline.Actors.Persistence;
using Pipeline.Host.Configuration;
using Pipeline.Host.Pipelines;

namespace Pipeline.Host.Engine;

/// <summary>
/// Joins this node's actor system to its cluster (<see cref="ClusterFormation"/>) and waits for the journal and for its
/// shard regions' registration, before the server takes requests: a node answers only once it can reach every entity.
/// </summary>
internal sealed class ClusterJoinService(
    ActorSystem system,
    IReadOnlyActorRegistry registry,
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
        if (!await ShardRegionRegistration.WaitAsync(system, registry, RegistrationBound, cancellationToken))
        {
            logger.LogWarning("Serving before every shard region registered with its coordinator (waited {Bound}): "
                + "commands answer 503 until they can reach their entities", RegistrationBound);
        }
    }

    /// <summary>Past a coordinator's start on a loaded machine; a coordinator unreachable for longer is not waited for.</summary>
    private static readonly TimeSpan RegistrationBound = TimeSpan.FromSeconds(30);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
