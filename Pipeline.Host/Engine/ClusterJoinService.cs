using Akka.Actor;

namespace Pipeline.Host.Engine;

/// <summary>Joins this node's actor system to its cluster before the server takes requests.</summary>
internal sealed class ClusterJoinService(ActorSystem system, ILogger<ClusterJoinService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        await cluster.JoinAsync(cluster.SelfAddress, cancellationToken);
        await up.Task.WaitAsync(cancellationToken);
        logger.LogInformation("Node {Address} is up", cluster.SelfAddress);
        // The journal creates its tables when it starts; the projection reads them, so wait for it before serving.
        await EngineServices.JournalReadyAsync(system).WaitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
