using Microsoft.Extensions.Options;
using Pipeline.Actors.Jobs;
using Pipeline.Actors.Persistence;
using Pipeline.Host.Pipelines;
using Pipeline.Streams.Jobs;
using Pipeline.Streams.Jobs.Exports;
using Pipeline.Streams.Pipelines;
using Pipeline.Streams.Pipelines.Jobs;

namespace Pipeline.Host.Jobs;

internal static class JobServices
{
    /// <summary>The job store, the job handlers (attendee exports) and the <c>jobs</c> pipeline with its hosted service.</summary>
    public static IServiceCollection AddPipelineJobs(this IServiceCollection services)
    {
        services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section)
            .PostConfigure(o => o.RetryDelays = o.RetryDelays is [] ? JobsOptions.DefaultRetryDelays : o.RetryDelays)
            .Validate(o => o.PromoteAfter > TimeSpan.Zero, $"{JobsOptions.Section}:PromoteAfter must be above 0.")
            .Validate(o => o.RetryDelays.All(d => d >= TimeSpan.Zero), $"{JobsOptions.Section}:RetryDelays must not be negative.")
            .Validate(o => o.ExportRowsPerSecond >= 0, $"{JobsOptions.Section}:ExportRowsPerSecond must not be negative.")
            .ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IStorage>().Jobs);
        // The export reads the read side as stored: it runs on any node, long after the request that queued it.
        services.AddSingleton<IJobHandler>(sp => new AttendeeExport(
            sp.GetRequiredService<IStorage>().Attendees, sp.GetRequiredService<IStorage>().Events,
            sp.GetRequiredService<IOptions<JobsOptions>>().Value.ExportRowsPerSecond));
        services.AddSingleton(sp => new JobsPipeline(
            sp.GetRequiredService<IJobStore>(),
            sp.GetServices<IJobHandler>(),
            sp.GetRequiredService<IOptions<JobsOptions>>().Value,
            sp.GetRequiredService<IOptions<PipelineOptions>>().Value,
            sp.GetRequiredService<NodeIdentity>().Name,
            sp.GetRequiredService<PipelineRegistry>()[PipelineNames.Jobs],
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Pipeline.Pipelines.Jobs")));
        services.AddHostedService<JobsHostedService>();
        return services;
    }
}
