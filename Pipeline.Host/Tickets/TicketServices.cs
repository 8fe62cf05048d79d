using Microsoft.Extensions.Options;
using Pipeline.Actors.ReadSide;
using Pipeline.Host.Configuration;
using Pipeline.Streams.Tickets;

namespace Pipeline.Host.Tickets;

internal static class TicketServices
{
    public static IServiceCollection AddPipelineTickets(this IServiceCollection services)
    {
        services.AddOptions<TicketOptions>().BindConfiguration(TicketOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TicketOptions>, TicketOptionsValidator>();
        services.AddSingleton(sp => new TicketToken(sp.GetRequiredService<IOptions<TicketOptions>>().Value.SigningKey));
        services.AddSingleton(sp =>
        {
            ApplyPdfSharpLicense(sp.GetRequiredService<IOptions<TicketOptions>>().Value, sp.GetRequiredService<ILogger<TicketComposer>>());
            return new TicketComposer(
                sp.GetRequiredService<IEventReadModel>(), sp.GetRequiredService<IMemberReadModel>(), sp.GetRequiredService<TicketToken>());
        });
        return services;
    }

    /// <summary>PDFsharp 6.5 renders nothing until a license is loaded: the configured commercial key, else AGPL-3.0.</summary>
    private static void ApplyPdfSharpLicense(TicketOptions options, ILogger logger)
    {
        if (options.PdfSharpLicenseKey.Length > 0)
        {
            PdfSharp.PdfSharpLicense.LoadLicense(options.PdfSharpLicenseKey);
            return;
        }
        PdfSharp.PdfSharpLicense.SetAgplLicense();
        logger.LogInformation("PDFsharp runs under AGPL-3.0 (no Pipeline:Tickets:PdfSharpLicenseKey configured).");
    }
}
