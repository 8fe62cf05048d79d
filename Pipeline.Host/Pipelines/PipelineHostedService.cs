using Pipeline.Streams.Pipelines;
using Pipeline.Streams.Pipelines.Tickets;
using Pipeline.Streams.Pipelines.Webhooks;
using Pipeline.Streams.Stages.Restart;

namespace Pipeline.Host.Pipelines;

/// <summary>Runs every pipeline graph of this node, each under a supervisor that restarts it with backoff when it fails.</summary>
internal sealed class PipelineHostedService(
    TicketDeliveryPipeline tickets,
    WebhookPipeline webhooks,
    Microsoft.Extensions.Options.IOptions<PipelineOptions> options,
    TimeProvider time,
    ILogger<PipelineHostedService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = RestartSettings.Create(options.Value.MinRestartBackoff, options.Value.MaxRestartBackoff, randomFactor: 0.2);
        var supervisor = new RestartWithBackoff(tickets.RunAsync, settings, time, onRestarting: (error, delay) =>
            logger.LogError(error, "The tickets pipeline failed; restarting in {Delay}", delay));
        tickets.Tickets.Supervisor = supervisor;
        tickets.WhatsApp.Supervisor = supervisor;
        // Each pipeline under its own supervisor: one failing and backing off never stops the other.
        var webhookSupervisor = new RestartWithBackoff(webhooks.RunAsync, settings, time, onRestarting: (error, delay) =>
            logger.LogError(error, "The webhooks pipeline failed; restarting in {Delay}", delay));
        webhooks.Control.Supervisor = webhookSupervisor;
        return Task.WhenAll(supervisor.RunAsync(stoppingToken), webhookSupervisor.RunAsync(stoppingToken));
    }
}
