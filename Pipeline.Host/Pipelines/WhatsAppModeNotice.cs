using Microsoft.Extensions.Options;
using Pipeline.Streams.WhatsApp;

namespace Pipeline.Host.Pipelines;

/// <summary>
/// Says once at start-up, as a warning, that tickets are not really sent: a sandbox must never pass for a working
/// deployment. Each sandboxed message is logged too (<see cref="SandboxWhatsAppSender"/>), and <c>GET
/// /api/admin/pipelines</c> shows the mode.
/// </summary>
internal sealed class WhatsAppModeNotice(IOptions<WhatsAppOptions> options, IHostEnvironment environment, ILogger<WhatsAppModeNotice> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var whatsApp = options.Value;
        if (whatsApp.IsSandbox)
        {
            var why = environment.IsDevelopment() && string.IsNullOrWhiteSpace(whatsApp.AccessToken)
                ? "the Development environment has no Pipeline:WhatsApp:AccessToken"
                : "Pipeline:WhatsApp:Mode is Sandbox";
            logger.LogWarning(
                "WhatsApp is in Sandbox mode ({Reason}): ticket messages are only recorded locally, never sent to WhatsApp",
                why);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
