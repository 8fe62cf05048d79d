using System.Diagnostics;

namespace Pipeline.Streams.Telemetry;

/// <summary>
/// The service's <see cref="ActivitySource"/>: the entity ask of a request, and each WhatsApp and webhook send. Without
/// a tracer provider (no OTLP endpoint configured) nothing listens and <c>StartActivity</c> returns null at once.
/// </summary>
/// <remarks>
/// A send runs later, from the work queue, with no request around it: it starts a trace of its own per item (the
/// outbox message id and the ticket's file name on it tie it to the payment's trace), since carrying the request's
/// trace context through the journal, the outbox and the work items would add a column to each of them.
/// </remarks>
public static class PipelineTracing
{
    public const string SourceName = "Pipeline";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>One WhatsApp attempt (upload and message), whichever sender does it.</summary>
    public static Activity? StartWhatsAppSend(string filename)
    {
        var activity = Source.StartActivity("whatsapp send", ActivityKind.Client);
        activity?.SetTag("pipeline.ticket.file", filename);
        return activity;
    }

    /// <summary>One signed webhook POST.</summary>
    public static Activity? StartWebhookSend(string messageId, string type)
    {
        var activity = Source.StartActivity("webhook send", ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("pipeline.webhook.id", messageId);
            activity.SetTag("pipeline.webhook.type", type);
        }
        return activity;
    }
}
