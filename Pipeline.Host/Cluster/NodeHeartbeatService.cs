using System.Reflection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Pipeline.Actors.Cluster;
using Pipeline.Host.Configuration;
using Pipeline.Host.Pipelines;
using Pipeline.Streams.Pipelines;
using Pipeline.Streams.Pipelines.Running;

namespace Pipeline.Host.Cluster;

/// <summary>
/// Keeps this node's row in the cluster view: joins before the server takes requests, beats every
/// <see cref="NodeOptions.HeartbeatInterval"/> with the pipelines it runs and their in-flight counts, and leaves on a
/// graceful shutdown so the node shows as gone at once rather than after <see cref="NodeOptions.GoneAfter"/>.
/// </summary>
/// <remarks>
/// A failed beat (storage unreachable) is logged and tried again on the next tick; it never stops the host. Nodes that
/// die without leaving are not cleaned up: they stay listed as gone, which is what an operator wants to see.
/// </remarks>
internal sealed class NodeHeartbeatService(
    INodeRegistry nodes,
    Akka.Actor.ActorSystem system,
    NodeIdentity identity,
    PipelineRegistry pipelines,
    IOptions<NodeOptions> options,
    IServer server,
    TimeProvider time,
    ILogger<NodeHeartbeatService> logger) : BackgroundService
{
    private static readonly string? Version =
        typeof(NodeHeartbeatService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    /// <summary>Whether the join went through; until it does, every beat is a join (so the start time is right).</summary>
    private bool _joined;

    /// <summary>Whether the previous beat failed, to log an outage once and its end once.</summary>
    private bool _failing;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Joined before the server listens, so the node's first answer already lists it.
        await BeatAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await BeatAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await nodes.LeaveAsync(identity.Name, cancellationToken);
            logger.LogInformation("Node {Node} left the cluster", identity.Name);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(error, "Node {Node} could not record its stop; it shows as gone after {GoneAfter}",
                identity.Name, options.Value.GoneAfter);
        }
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        var beat = Current();
        try
        {
            if (_joined)
            {
                await nodes.HeartbeatAsync(beat, cancellationToken);
            }
            else
            {
                await nodes.JoinAsync(beat, cancellationToken);
                _joined = true;
                logger.LogInformation("Node {Node} joined the cluster running {Pipelines}", beat.Name, string.Join(", ", beat.Pipelines));
            }
            if (_failing)
            {
                _failing = false;
                logger.LogInformation("Node {Node} records heartbeats again", beat.Name);
            }
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (!_failing)
            {
                _failing = true;
                logger.LogWarning(error, "Node {Node} could not record its heartbeat; trying again every {Interval}",
                    beat.Name, options.Value.HeartbeatInterval);
            }
        }
    }

    private NodeHeartbeat Current()
    {
        var running = pipelines.All.Where(IsRunning).ToList();
        return new NodeHeartbeat(
            identity.Name,
            running.Select(p => p.Name).ToList(),
            running.ToDictionary(p => p.Name, p => p.Counters.InFlight),
            Version,
            server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault())
        {
            ClusterAddress = Akka.Cluster.Cluster.Get(system).SelfAddress.ToString(),
        };
    }

    /// <summary>
    /// Every node hosts every pipeline of the registry, so a pipeline counts until its supervisor has finished for good
    /// (gave up, or stopped); one whose supervisor is not there yet is starting (hosted services start concurrently).
    /// </summary>
    private static bool IsRunning(PipelineControl pipeline) =>
        pipeline.Supervisor?.State is not (RestartState.Completed or RestartState.Stopped or RestartState.GaveUp);
}
