namespace Pipeline.Streams.Pipelines;

/// <summary>The contract's pipeline names.</summary>
public static class PipelineNames
{
    public const string Tickets = "tickets";
    public const string WhatsApp = "whatsapp";
    public const string Webhooks = "webhooks";
    public const string Jobs = "jobs";

    public static IReadOnlyList<string> All { get; } = [Tickets, WhatsApp, Webhooks, Jobs];
}
