using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Host.Engine;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Cluster;

/// <summary>
/// A node takes its first request only once every entity region has registered with its shard coordinator: before that
/// a region buffers commands while the coordinator starts, and a node's first commands could outwait their deadline.
/// </summary>
public sealed class ShardRegionRegistrationTests
{
    [Fact]
    public async Task A_started_node_has_every_entity_region_registered_with_its_coordinator()
    {
        var database = new SqliteTestDatabase();
        await database.InitializeAsync();
        try
        {
            await using var app = new PipelineApp(database);
            _ = app.Server; // returns once the host has started, as it would take its first request
            var system = app.Services.GetRequiredService<ActorSystem>();
            var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
            foreach (var region in ShardRegions.All(app.Services.GetRequiredService<IReadOnlyActorRegistry>()))
            {
                var registered = await region.Ask<CurrentRegions>(GetCurrentRegions.Instance, TimeSpan.FromSeconds(5));
                Assert.True(registered.Regions.Contains(self), $"{ShardRegions.TypeName(region)}'s region is registered");
            }
        }
        finally
        {
            await database.DisposeAsync();
        }
    }
}
