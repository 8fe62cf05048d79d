using Microsoft.Extensions.Options;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.Persistence;
using Pipeline.Actors.Runtime;
using Pipeline.Host.Configuration;

namespace Pipeline.Host.Entities;

internal static class EntityServices
{
    public const string RuntimeSection = "Pipeline:Entities";

    /// <summary>Storage (migrated at start-up by <see cref="StorageMigration"/>) and one entity runtime per entity type.</summary>
    public static IServiceCollection AddPipelineEntities(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IStorage>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return StorageFactory.Create(options.Provider, options.ConnectionString);
        });

        services.AddSingleton(sp => sp.GetRequiredService<IStorage>().Batches);

        var runtimeOptions = configuration.GetSection(RuntimeSection).Get<EntityRuntimeOptions>() ?? new EntityRuntimeOptions();
        runtimeOptions.Validate();
        services.AddSingleton(sp => new EntityRuntime<BatchState, BatchCommand, BatchEvent, BatchReply>(
            new BatchBehavior(),
            sp.GetRequiredService<IStorage>().Journal,
            runtimeOptions,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Pipeline.Entities.Batch")));
        services.AddHostedService<StorageMigration>();
        return services;
    }
}
