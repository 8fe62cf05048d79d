using Microsoft.Extensions.Options;
using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.Persistence;
using Pipeline.Actors.Work;
using Pipeline.Host.Configuration;
using Pipeline.Host.Engine;
using Pipeline.Streams.Pipelines;
using Pipeline.Streams.Pipelines.Tickets;
using Pipeline.Streams.Tickets;
using Pipeline.Streams.WhatsApp;

namespace Pipeline.Host.Pipelines;

internal static class PipelineServices
{
    /// <summary>What this node's pipelines claim: the work partitions the cluster placed on it at the moment of each claim.</summary>
    public static Func<WorkPartitions> OwnedPartitions(IServiceProvider services)
    {
        var owned = services.GetRequiredService<OwnedWorkPartitions>();
        return () => owned.Current;
    }

    public static IServiceCollection AddPipelineStreams(this IServiceCollection services)
    {
        services.AddOptions<PipelineOptions>().BindConfiguration(PipelineOptions.Section);
        services.AddOptions<WhatsAppOptions>().BindConfiguration(WhatsAppOptions.Section)
            .PostConfigure(o => o.RetryDelays = o.RetryDelays is [] ? WhatsAppOptions.DefaultRetryDelays : o.RetryDelays)
            .ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<WhatsAppOptions>, WhatsAppDevelopmentDefaults>();
        services.AddSingleton<IValidateOptions<WhatsAppOptions>, WhatsAppOptionsValidator>();
        services.AddHostedService<WhatsAppModeNotice>();
        services.AddSingleton<NodeIdentity>();
        services.AddSingleton<PipelineRegistry>();
        services.AddSingleton<PipelineStatusReader>();
        services.AddHostedService<PipelineSettingsReloader>();
        services.AddHttpClient(nameof(WhatsAppCloudSender));
        services.AddSingleton<SandboxWhatsAppSender>();
        services.AddSingleton<IWhatsAppSender>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<WhatsAppOptions>>().Value;
            return options.IsSandbox
                ? sp.GetRequiredService<SandboxWhatsAppSender>()
                : new WhatsAppCloudSender(sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(WhatsAppCloudSender)), options);
        });
        services.AddSingleton(sp =>
        {
            var registry = sp.GetRequiredService<PipelineRegistry>();
            return new TicketDeliveryPipeline(
                sp.GetRequiredService<IStorage>().Work,
                // Not the HTTP side's client: a ticket's outcome need not hold up this node's next read (ReadYourWritesClient).
                sp.GetRequiredService<EntityGateway<RegistrationRegion, RegistrationCommand, RegistrationReply>>(),
                sp.GetRequiredService<TicketComposer>(),
                sp.GetRequiredService<IWhatsAppSender>(),
                sp.GetRequiredService<IOptions<WhatsAppOptions>>().Value,
                sp.GetRequiredService<IOptions<PipelineOptions>>().Value,
                sp.GetRequiredService<NodeIdentity>().Name,
                registry[PipelineNames.Tickets],
                registry[PipelineNames.WhatsApp],
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("Pipeline.Pipelines.Tickets"))
            {
                Metrics = sp.GetService<Pipeline.Streams.Telemetry.PipelineMetrics>(),
                Partitions = OwnedPartitions(sp),
            };
        });
        services.AddHostedService<PipelineHostedService>();
        return services;
    }
}
