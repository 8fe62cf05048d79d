using Pipeline.Actors.Persistence;
using Pipeline.Host.Cluster;
using Pipeline.Host.Configuration;

namespace Pipeline.Tests.Configuration;

public sealed class ClusterOptionsValidatorTests
{
    private readonly ClusterOptionsValidator _validator = new();

    [Fact]
    public void The_defaults_are_valid_and_mean_find_the_others_through_storage()
    {
        var options = new ClusterOptions();

        Assert.True(_validator.Validate(null, options).Succeeded);
        Assert.Equal(("127.0.0.1", 0), (options.Hostname, options.Port));
        Assert.Empty(options.SeedNodes);
    }

    [Fact]
    public void A_bad_port_timeout_or_seed_fails_naming_each_key()
    {
        var result = _validator.Validate(null, new ClusterOptions
        {
            Port = 70000,
            JoinTimeout = TimeSpan.Zero,
            SeedNodes = ["akka.tcp://pipeline@10.0.0.1:4053", "10.0.0.2:4053"],
        });

        Assert.True(result.Failed);
        Assert.Contains("Pipeline:Cluster:Port", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Pipeline:Cluster:JoinTimeout", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Pipeline:Cluster:SeedNodes:1", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("SeedNodes:0", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Sqlite_storage_makes_a_cluster_of_one_and_postgres_does_not()
    {
        var options = new ClusterOptions { SeedNodes = ["akka.tcp://pipeline@10.0.0.1:4053"] };

        var sqlite = options.JoinSettings("n1", new NodeOptions(), StorageFactory.SqliteProvider);
        var postgres = options.JoinSettings("n1", new NodeOptions(), StorageFactory.PostgresProvider);

        Assert.True(sqlite.SingleNode);
        Assert.False(postgres.SingleNode);
        Assert.Equal(["akka.tcp://pipeline@10.0.0.1:4053"], postgres.SeedNodes);
        Assert.Equal(new NodeOptions().GoneAfter, postgres.GoneAfter);
    }
}
