using Microsoft.Extensions.Options;
using Pipeline.Actors.Entities.Events;
using Pipeline.Actors.Entities.Members;
using Pipeline.Actors.Entities.Records;
using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.Journal;
using Pipeline.Actors.Persistence;
using Pipeline.Actors.Runtime;
using Pipeline.Host.Configuration;

namespace Pipeline.Host.Entities;

internal static class EntityServices
{
    public const string RuntimeSection = "Pipeline:Entities";

    /// <summary>Storage (migrated at start-up by <see cref="StorageMigration"/>), its read models, and one runtime per entity type.</summary>
    public static IServiceCollection AddPipelineEntities(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IStorage>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return StorageFactory.Create(options.Provider, options.ConnectionString);
        });
        services.AddSingleton(sp => sp.GetRequiredService<IStorage>().Batches);
        services.AddSingleton<Pipeline.Actors.ReadSide.IEventReadModel>(sp => new Pipeline.Host.ReadSide.CaughtUpEventReadModel(
            sp.GetRequiredService<IStorage>().Events, sp.GetRequiredService<Pipeline.Host.ReadSide.ReadSideCatchUp>()));
        services.AddSingleton(sp => sp.GetRequiredService<IStorage>().Members);
        services.AddSingleton<Pipeline.Actors.ReadSide.IRegistrationReadModel>(sp => new Pipeline.Host.ReadSide.CaughtUpRegistrationReadModel(
            sp.GetRequiredService<IStorage>().Registrations, sp.GetRequiredService<Pipeline.Host.ReadSide.ReadSideCatchUp>()));

        var options = configuration.GetSection(RuntimeSection).Get<EntityRuntimeOptions>() ?? new EntityRuntimeOptions();
        // A shared PostgreSQL may have other nodes writing: verify cached entities every turn unless told otherwise.
        var provider = configuration[$"{StorageOptions.Section}:Provider"] ?? StorageFactory.SqliteProvider;
        if (options.VerifyAfter is null && configuration[$"{RuntimeSection}:VerifyAfter"] is null
            && provider.Equals(StorageFactory.PostgresProvider, StringComparison.OrdinalIgnoreCase))
        {
            options = options with { VerifyAfter = TimeSpan.Zero };
        }
        options.Validate();
        // Events and members are written rarely: a few shards are plenty.
        var records = options with { ShardCount = Math.Min(options.ShardCount, 4) };
        services.AddSingleton(sp => Runtime(sp, new RecordBehavior<EventView>("event"), records));
        services.AddSingleton(sp => Runtime(sp, new RecordBehavior<MemberView>("member"), records));
        services.AddHostedService<StorageMigration>();
        return services;
    }

    private static EntityRuntime<TState, TCommand, TEvent, TReply> Runtime<TState, TCommand, TEvent, TReply>(
        IServiceProvider services, IEntityBehavior<TState, TCommand, TEvent, TReply> behavior, EntityRuntimeOptions options) =>
        new(behavior,
            services.GetRequiredService<IStorage>().Journal,
            options,
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Pipeline.Entities." + behavior.EntityType));
}
