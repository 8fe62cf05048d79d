using System.Net;
using System.Text.Json;
using Pipeline.Actors.Cluster;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Api.Cluster;

public sealed class SqliteClusterApiTests(ClusterFixture<SqliteTestDatabase> clusterFixture) : ClusterApiContract<SqliteTestDatabase>(clusterFixture)
{
    /// <summary>Two processes on one SQLite file would both own every entity: the second is refused, naming the file.</summary>
    [Fact]
    public async Task A_second_node_on_the_same_sqlite_file_is_refused_at_start_up_naming_the_file()
    {
        await using var second = new PipelineApp(Database, ClusterFixture<SqliteTestDatabase>.Settings("second-on-sqlite"));

        var refused = Assert.Throws<InvalidOperationException>(() => second.Server);

        Assert.Contains(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(Database.ConnectionString).DataSource, refused.Message);
        Assert.Contains("in use by another Pipeline node", refused.Message);
    }
}

/// <summary>Several nodes share one database only on PostgreSQL (SQLite is a cluster of one).</summary>
public sealed class PostgresClusterApiTests(ClusterFixture<PostgresTestDatabase> fixture) : ClusterApiContract<PostgresTestDatabase>(fixture)
{
    [Fact]
    public Task A_node_that_shuts_down_gracefully_is_gone_at_once() => GracefulNodeIsGoneAtOnceAsync();

    [Fact]
    public Task A_node_killed_without_leaving_is_shown_as_gone_once_its_heartbeats_stop() => KilledNodeIsGoneAsync();
}

/// <summary>One database and a host that beats every 250 ms and calls a node gone after 2 s without a beat.</summary>
public sealed class ClusterFixture<TDatabase> : IAsyncLifetime where TDatabase : TestDatabase, new()
{
    public const string NodeName = "cluster-test-node";

    // Generous against the heartbeat interval: on a loaded machine a SQLite heartbeat can wait seconds for the writer.
    public static readonly TimeSpan GoneAfter = TimeSpan.FromSeconds(5);

    public TDatabase Database { get; } = new();

    public PipelineApp App { get; private set; } = null!;

    public static Dictionary<string, string?> Settings(string nodeName) => new()
    {
        ["Pipeline:Node:Name"] = nodeName,
        ["Pipeline:Node:HeartbeatInterval"] = "00:00:00.250",
        ["Pipeline:Node:GoneAfter"] = GoneAfter.ToString(),
    };

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        App = new PipelineApp(Database, Settings(NodeName));
        _ = App.Server;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary><c>GET /api/admin/cluster</c> on each storage: this node up, a silent node gone, a stopped node gone at once.</summary>
public abstract class ClusterApiContract<TDatabase>(ClusterFixture<TDatabase> fixture) : IClassFixture<ClusterFixture<TDatabase>>
    where TDatabase : TestDatabase, new()
{
    private readonly PipelineApp _app = fixture.App;
    private readonly HttpClient _admin = fixture.App.CreateAdminClient();

    protected TDatabase Database => fixture.Database;

    [Fact]
    public async Task The_cluster_view_needs_the_admin_key()
    {
        var response = await _app.CreateClient().GetAsync("/api/admin/cluster");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task This_node_is_up_with_the_pipelines_it_runs()
    {
        var node = await NodeAsync(ClusterFixture<TDatabase>.NodeName);

        Assert.Equal("up", node.GetProperty("status").GetString());
        var pipelines = node.GetProperty("pipelines").EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.Contains("tickets", pipelines);
        Assert.Contains("whatsapp", pipelines);
        Assert.Equal(JsonValueKind.Number, node.GetProperty("inFlight").GetProperty("tickets").ValueKind);
        var lastHeartbeat = node.GetProperty("lastHeartbeat").GetString()!;
        Assert.EndsWith("Z", lastHeartbeat, StringComparison.Ordinal);
        Assert.InRange(DateTimeOffset.Parse(lastHeartbeat, System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task Heartbeats_keep_coming()
    {
        var first = (await NodeAsync(ClusterFixture<TDatabase>.NodeName)).GetProperty("lastHeartbeat").GetString();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        string? latest;
        do
        {
            await Task.Delay(100);
            latest = (await NodeAsync(ClusterFixture<TDatabase>.NodeName)).GetProperty("lastHeartbeat").GetString();
        }
        while (latest == first && DateTime.UtcNow < deadline);

        Assert.NotEqual(first, latest);
    }

    [Fact]
    public async Task A_node_that_stops_beating_is_shown_as_gone()
    {
        var ghost = "ghost-" + Guid.NewGuid().ToString("N")[..8];
        await _app.Storage.Nodes.JoinAsync(new NodeHeartbeat(ghost, ["tickets"], new Dictionary<string, long> { ["tickets"] = 1 }));
        Assert.Equal("up", (await NodeAsync(ghost)).GetProperty("status").GetString());

        await Task.Delay(ClusterFixture<TDatabase>.GoneAfter + TimeSpan.FromMilliseconds(500));

        Assert.Equal("gone", (await NodeAsync(ghost)).GetProperty("status").GetString());
        Assert.Equal("up", (await NodeAsync(ClusterFixture<TDatabase>.NodeName)).GetProperty("status").GetString());
    }

    protected async Task GracefulNodeIsGoneAtOnceAsync()
    {
        var name = "second-" + Guid.NewGuid().ToString("N")[..8];
        var second = new PipelineApp(fixture.Database, ClusterFixture<TDatabase>.Settings(name));
        _ = second.Server;
        Assert.Equal("up", (await NodeAsync(name)).GetProperty("status").GetString());

        await second.DisposeAsync();

        // Judged with a horizon far longer than the time since its last beat: only the recorded stop makes it gone.
        var node = Assert.Single(await _app.Storage.Nodes.ListAsync(TimeSpan.FromMinutes(5)), n => n.Name == name);
        Assert.Equal(NodeStatus.Gone, node.Status);
        Assert.NotNull(node.StoppedAt);
        Assert.Equal("gone", (await NodeAsync(name)).GetProperty("status").GetString());
    }

    private async Task<NodeStatus> TableStatusAsync(string name) =>
        Assert.Single(await _app.Storage.Nodes.ListAsync(ClusterFixture<TDatabase>.GoneAfter), n => n.Name == name).Status;

    protected async Task KilledNodeIsGoneAsync()
    {
        var name = "killed-" + Guid.NewGuid().ToString("N")[..8];
        var workingDirectory = Directory.CreateTempSubdirectory("pipeline-cluster-").FullName;
        try
        {
            var settings = ClusterFixture<TDatabase>.Settings(name).ToDictionary(s => s.Key, s => s.Value!);
            settings["Pipeline:Storage:Provider"] = fixture.Database.Provider;
            settings["Pipeline:Storage:ConnectionString"] = fixture.Database.ConnectionString;
            settings["Pipeline:Admin:ApiKey"] = PipelineApp.AdminKey;
            settings["Pipeline:Razorpay:KeySecret"] = PipelineApp.RazorpayKeySecret;
            settings["Pipeline:Razorpay:WebhookSecret"] = PipelineApp.RazorpayWebhookSecret;
            settings["Pipeline:Tickets:SigningKey"] = PipelineApp.TicketSigningKey;
            // A cluster of its own (it seeds itself): this test is about the node table, and killing one of a two-node
            // cluster would leave keep-majority a tie that may down the survivor, this test's host.
            var clusterPort = HostProcess.FreePort();
            settings["Pipeline:Cluster:Port"] = clusterPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["Pipeline:Cluster:SeedNodes:0"] = $"akka.tcp://pipeline@127.0.0.1:{clusterPort}";
            await using var other = await HostProcess.StartAsync(settings, workingDirectory);
            // The node table says up while it beats. (The view shows it gone from the start: it is no member of this
            // host's cluster, so its membership reads removed.)
            Assert.Equal(NodeStatus.Up, await TableStatusAsync(name));

            await other.KillAsync();

            var killedAt = DateTime.UtcNow;
            NodeStatus status;
            do
            {
                await Task.Delay(200);
                status = await TableStatusAsync(name);
            }
            while (status == NodeStatus.Up && DateTime.UtcNow - killedAt < TimeSpan.FromSeconds(15));
            Assert.Equal(NodeStatus.Gone, status);
            Assert.Equal("gone", (await NodeAsync(name)).GetProperty("status").GetString());
            // No stop was recorded: it is gone because it went silent, not because it said goodbye.
            Assert.Null(Assert.Single(await _app.Storage.Nodes.ListAsync(TimeSpan.FromMinutes(5)), n => n.Name == name).StoppedAt);
        }
        finally
        {
            Directory.Delete(workingDirectory, recursive: true);
        }
    }

    private async Task<JsonElement> NodeAsync(string name)
    {
        var response = await _admin.GetAsync("/api/admin/cluster");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();
        return Assert.Single(body.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("name").GetString() == name);
    }
}
