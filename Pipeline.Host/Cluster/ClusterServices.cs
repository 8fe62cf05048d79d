using Microsoft.Extensions.Options;
using Pipeline.Actors.Persistence;
using Pipeline.Host.Configuration;

namespace Pipeline.Host.Cluster;

internal static class ClusterServices
{
    /// <summary>This node's heartbeat, the cluster view (node table, membership, shards), and what cluster formation needs (options, seeds).</summary>
    public static IServiceCollection AddPipelineCluster(this IServiceCollection services)
    {
        services.AddOptions<NodeOptions>().BindConfiguration(NodeOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NodeOptions>, NodeOptionsValidator>();
        services.AddOptions<ClusterOptions>().BindConfiguration(ClusterOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IStorage>().ClusterSeeds);
        services.AddSingleton(sp => sp.GetRequiredService<IStorage>().Nodes);
        services.AddSingleton<ShardDistribution>();
        services.AddSingleton<ClusterView>();
        services.AddHostedService<NodeHeartbeatService>();
        return services;
    }
}
