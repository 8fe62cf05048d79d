using System.Diagnostics.Metrics;

namespace Pipeline.Streams.Telemetry;

/// <summary>
/// The instruments the pipelines record outcomes on, on the <c>Pipeline</c> meter of the host's
/// <see cref="IMeterFactory"/> (so two hosts in one process never mix their numbers). <c>/metrics</c> exposes them
/// under their instrument names, which are already Prometheus names.
/// </summary>
/// <remarks>Label values are a small fixed set (the constants below): never ids, phone numbers or URLs.</remarks>
public sealed class PipelineMetrics
{
    public const string MeterName = "Pipeline";

    private readonly Counter<long> _whatsApp;
    private readonly Counter<long> _webhooks;

    public PipelineMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(MeterName);
        _whatsApp = Meter.CreateCounter<long>("pipeline_whatsapp_messages_total",
            description: "WhatsApp ticket attempts by outcome: sent, retry (failed, will be retried), failed (failed for good).");
        _webhooks = Meter.CreateCounter<long>("pipeline_webhook_deliveries_total",
            description: "Webhook delivery attempts by outcome: delivered (2xx), failed (will be retried), dead (no attempts left).");
    }

    /// <summary>The host's <c>Pipeline</c> meter; other instruments of the service are made on it too.</summary>
    public Meter Meter { get; }

    public void RecordWhatsApp(string outcome) => _whatsApp.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>
    /// Adds 0 to every outcome, so each series is exposed from the first scrape on (an exporter shows a series only once
    /// it has a measurement). Call it once a meter provider listens.
    /// </summary>
    public void ExposeEveryOutcome()
    {
        foreach (var outcome in (string[])[WhatsAppOutcome.Sent, WhatsAppOutcome.Retry, WhatsAppOutcome.Failed])
        {
            _whatsApp.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        }
        foreach (var outcome in (string[])[WebhookOutcome.Delivered, WebhookOutcome.Failed, WebhookOutcome.Dead])
        {
            _webhooks.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public void RecordWebhookDelivery(string outcome) => _webhooks.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>Values of <c>outcome</c> on <c>pipeline_whatsapp_messages_total</c>.</summary>
    public static class WhatsAppOutcome
    {
        public const string Sent = "sent";
        public const string Retry = "retry";
        public const string Failed = "failed";
    }

    /// <summary>Values of <c>outcome</c> on <c>pipeline_webhook_deliveries_total</c> (the delivery statuses of the contract).</summary>
    public static class WebhookOutcome
    {
        public const string Delivered = "delivered";
        public const string Failed = "failed";
        public const string Dead = "dead";
    }
}
