using Microsoft.Extensions.Options;
using Pipeline.Actors.Persistence;
using Pipeline.Host.Pipelines;
using Pipeline.Streams.Pipelines;
using Pipeline.Streams.Pipelines.Webhooks;
using Pipeline.Streams.Telemetry;
using Pipeline.Streams.Webhooks;

namespace Pipeline.Host.Webhooks;

internal static class WebhookServices
{
    /// <summary>Webhook options (validated at start-up), the address guard, the signed sender and the <c>webhooks</c> pipeline.</summary>
    public static IServiceCollection AddPipelineWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section)
            .PostConfigure(o => o.RetryDelays = o.RetryDelays is [] ? WebhookOptions.DefaultRetryDelays : o.RetryDelays)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();
        services.AddSingleton(sp => new WebhookAddressGuard(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateNetworks));
        services.AddSingleton(sp => new WebhookSender(
            sp.GetRequiredService<IOptions<WebhookOptions>>().Value, sp.GetRequiredService<WebhookAddressGuard>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => sp.GetRequiredService<IStorage>().Webhooks);
        services.AddSingleton(sp => new WebhookPipeline(
            sp.GetRequiredService<IStorage>().Work,
            sp.GetRequiredService<IStorage>().Webhooks,
            sp.GetRequiredService<WebhookSender>(),
            sp.GetRequiredService<IOptions<WebhookOptions>>().Value,
            sp.GetRequiredService<IOptions<PipelineOptions>>().Value,
            sp.GetRequiredService<NodeIdentity>().Name,
            sp.GetRequiredService<PipelineRegistry>()[PipelineNames.Webhooks],
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Pipeline.Pipelines.Webhooks"))
        {
            Metrics = sp.GetService<PipelineMetrics>(),
            Partitions = PipelineServices.OwnedPartitions(sp),
        });
        return services;
    }
}
