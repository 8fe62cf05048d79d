using Akka;
using Akka.Actor;

namespace Pipeline.Host.Cluster;

/// <summary>
/// A node told to leave by the cluster (<c>Cluster.Leave</c> from an operator on any node) stops as on SIGTERM and in
/// the same order: the host first (server, then the pipelines drain and hand their work back, then the node table
/// records the stop), then Akka hands off the shards and leaves.
/// </summary>
/// <remarks>
/// Without this, the leave would run Akka's coordinated shutdown alone: shards handed off and the actor system gone
/// while the pipelines still worked (a ticket sent whose outcome could no longer be recorded would be sent again), and
/// the host stopped only after, when Akka.Hosting saw the actor system terminate. Here the first phase of that shutdown
/// stops the host and waits until the services started after the actor system have stopped: this service starts
/// before them (see Program), so it stops after them. A node that is downed instead is not drained: the cluster has
/// already moved its shards, and Akka.Hosting stops the host once its actor system has terminated.
/// </remarks>
internal sealed class ClusterLeaveStopsHost(ActorSystem system, IHostApplicationLifetime lifetime, ILogger<ClusterLeaveStopsHost> logger)
    : IHostedService
{
    private readonly TaskCompletionSource _laterServicesStopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var shutdown = CoordinatedShutdown.Get(system);
        shutdown.AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "stop-host-before-leaving", async () =>
        {
            // On SIGTERM the host stops first and runs this shutdown after, with ClrExitReason: nothing to do then.
            if (shutdown.ShutdownReason is not CoordinatedShutdown.ClusterLeavingReason)
            {
                return Done.Instance;
            }
            logger.LogWarning("This node was told to leave the cluster: stopping the host (drain), then handing off its shards");
            lifetime.StopApplication();
            await _laterServicesStopped.Task; // bounded by this phase's timeout (EngineServices)
            return Done.Instance;
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _laterServicesStopped.TrySetResult();
        return Task.CompletedTask;
    }
}
