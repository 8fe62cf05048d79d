using Microsoft.Extensions.Options;
using Pipeline.Streams.WhatsApp;

namespace Pipeline.Host.Configuration;

/// <summary>
/// The contract's one implicit sandbox: in the Development environment a missing <c>AccessToken</c> means
/// <c>Sandbox</c>, so <c>dotnet run</c> works on a fresh clone. Everywhere else the mode is what configuration says.
/// </summary>
internal sealed class WhatsAppDevelopmentDefaults(IHostEnvironment environment) : IPostConfigureOptions<WhatsAppOptions>
{
    public void PostConfigure(string? name, WhatsAppOptions options)
    {
        if (environment.IsDevelopment() && string.IsNullOrWhiteSpace(options.AccessToken))
        {
            options.Mode = WhatsAppOptions.SandboxMode;
        }
    }
}
