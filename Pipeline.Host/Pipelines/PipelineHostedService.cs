using Akka.Actor;
using Akka.Streams;
using Pipeline.Streams.Pipelines.Tickets;
using Pipeline.Streams.Pipelines.Webhooks;

namespace Pipeline.Host.Pipelines;

/// <summary>
/// Runs every pipeline graph of this node on Akka.Streams, materialized on the node's actor system, each restarted
/// with backoff when it fails. Registered after Akka.Hosting's service, so it stops (and drains) before the actor
/// system shuts down.
/// </summary>
internal sealed class PipelineHostedService(
    TicketDeliveryPipeline tickets,
    WebhookPipeline webhooks,
    ActorSystem system) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var materializer = system.Materializer(namePrefix: "pipelines");
        // Each pipeline under its own restart source: one failing and backing off never stops the other.
        return Task.WhenAll(tickets.RunAsync(materializer, stoppingToken), webhooks.RunAsync(materializer, stoppingToken));
    }
}
