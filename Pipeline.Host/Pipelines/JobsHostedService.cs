using Akka.Actor;
using Akka.Streams;
using Pipeline.Streams.Pipelines.Jobs;

namespace Pipeline.Host.Pipelines;

/// <summary>
/// Runs the <c>jobs</c> pipeline on the node's actor system. Registered after Akka's hosted service, so it stops first:
/// on SIGTERM the running jobs are handed back while the node can still reach storage.
/// </summary>
internal sealed class JobsHostedService(JobsPipeline jobs, ActorSystem system) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        jobs.RunAsync(system.Materializer(namePrefix: "jobs"), stoppingToken);
}
