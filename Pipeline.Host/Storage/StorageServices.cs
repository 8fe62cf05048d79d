using Microsoft.Extensions.Options;
using Pipeline.Actors.Persistence;
using Pipeline.Actors.ReadSide;
using Pipeline.Host.Configuration;
using Pipeline.Host.ReadSide;

namespace Pipeline.Host.Storage;

internal static class StorageServices
{
    /// <summary>
    /// Storage (migrated at start-up by <see cref="StorageMigration"/>) and the read models the API reads: those written
    /// by the journal projection are caught up with this node's writes before each read (<see cref="ReadSideCatchUp"/>).
    /// </summary>
    public static IServiceCollection AddPipelineStorage(this IServiceCollection services)
    {
        services.AddSingleton<IStorage>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return StorageFactory.Create(options.Provider, options.ConnectionString);
        });
        services.AddSingleton(sp => sp.GetRequiredService<IStorage>().Batches);
        services.AddSingleton<IEventReadModel>(sp =>
            new CaughtUpEventReadModel(sp.GetRequiredService<IStorage>().Events, sp.GetRequiredService<ReadSideCatchUp>()));
        services.AddSingleton(sp => sp.GetRequiredService<IStorage>().Members);
        services.AddSingleton<IRegistrationReadModel>(sp =>
            new CaughtUpRegistrationReadModel(sp.GetRequiredService<IStorage>().Registrations, sp.GetRequiredService<ReadSideCatchUp>()));
        services.AddHostedService<StorageMigration>();
        return services;
    }
}
