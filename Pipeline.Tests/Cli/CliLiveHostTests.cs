using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Pipeline.Cli;
using Pipeline.Host.Engine;
using Pipeline.Host.Payments;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Cli;

/// <summary>A real host process on 127.0.0.1 (SQLite; the CLI only sees HTTP) for the CLI tests to talk to.</summary>
public sealed class CliHostFixture : IAsyncLifetime
{
    public const string AdminKey = "cli-test-admin-key-0123456789";
    public const string NodeName = "cli-test-node";

    private readonly SqliteTestDatabase _database = new();
    private string _workingDirectory = "";

    public HostProcess Host { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _workingDirectory = Directory.CreateTempSubdirectory("pipeline-cli-").FullName;
        Host = await HostProcess.StartAsync(HostSettings.For(_database, AdminKey, new Dictionary<string, string>
        {
            ["Pipeline:Node:Name"] = NodeName,
            ["Pipeline:WhatsApp:Mode"] = "Sandbox",
        }), _workingDirectory);
        Admin = Host.CreateClient(AdminKey);
    }

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        await Host.DisposeAsync();
        await _database.DisposeAsync();
        Directory.Delete(_workingDirectory, recursive: true);
    }
}

/// <summary>
/// The <c>pipeline</c> tool against a live host: what operators type, what they see, and the exit codes scripts rely
/// on. Changes are checked over HTTP, not through the tool's own output.
/// </summary>
public sealed class CliLiveHostTests(CliHostFixture fixture) : IClassFixture<CliHostFixture>
{
    private Task<CliRun> RunAsync(params string[] args) =>
        CliRun.RunAsync([.. args, "--url", fixture.Host.Url, "--api-key", CliHostFixture.AdminKey]);

    [Fact]
    public async Task Pipelines_list_shows_the_three_pipelines_and_that_whatsapp_is_a_sandbox()
    {
        var run = await RunAsync("pipelines", "list");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains("PIPELINE", run.Output, StringComparison.Ordinal);
        Assert.Contains(" MODE ", run.Output, StringComparison.Ordinal);
        Assert.Contains("tickets", run.Output, StringComparison.Ordinal);
        Assert.Contains("webhooks", run.Output, StringComparison.Ordinal);
        var whatsapp = Assert.Single(run.Output.Split('\n'), l => l.Contains(" whatsapp ", StringComparison.Ordinal));
        Assert.Contains(" sandbox ", whatsapp, StringComparison.Ordinal);
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Json_prints_the_hosts_own_json()
    {
        var run = await RunAsync("pipelines", "list", "--json");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var pipelines = JsonDocument.Parse(run.Output).RootElement.GetProperty("pipelines").EnumerateArray().ToList();
        Assert.Equal(["jobs", "tickets", "webhooks", "whatsapp"], pipelines.Select(p => p.GetProperty("name").GetString()).Order());
        Assert.Equal("sandbox", Assert.Single(pipelines, p => p.GetProperty("name").GetString() == "whatsapp").GetProperty("mode").GetString());
    }

    [Fact]
    public async Task Tune_changes_the_settings_of_the_running_pipeline()
    {
        var before = await PipelineAsync("whatsapp");
        try
        {
            var run = await RunAsync("pipelines", "tune", "whatsapp", "--rate", "42.5", "--parallelism", "3", "--buffer", "20");

            Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
            Assert.Contains("Tuned whatsapp.", run.Output, StringComparison.Ordinal);
            var after = await PipelineAsync("whatsapp");
            Assert.Equal(42.5, after.GetProperty("ratePerSecond").GetDouble());
            Assert.Equal(3, after.GetProperty("parallelism").GetInt32());
            Assert.Equal(20, after.GetProperty("bufferSize").GetInt32());
        }
        finally
        {
            await fixture.Admin.PutAsJsonAsync("/api/admin/pipelines/whatsapp", new
            {
                ratePerSecond = before.GetProperty("ratePerSecond").GetDouble(),
                parallelism = before.GetProperty("parallelism").GetInt32(),
                bufferSize = before.GetProperty("bufferSize").GetInt32(),
            });
        }
    }

    [Fact]
    public async Task Pause_and_resume_switch_the_pipeline()
    {
        var paused = await RunAsync("pipelines", "pause", "tickets");
        Assert.True(paused.ExitCode == ExitCodes.Ok, paused.ToString());
        Assert.True((await PipelineAsync("tickets")).GetProperty("paused").GetBoolean());

        var resumed = await RunAsync("pipelines", "resume", "tickets");
        Assert.True(resumed.ExitCode == ExitCodes.Ok, resumed.ToString());
        Assert.False((await PipelineAsync("tickets")).GetProperty("paused").GetBoolean());
    }

    /// <summary>
    /// A host of one (SQLite): its own member, up, reachable and leader, hosting every shard in use, in the API's view
    /// and in all three commands (<c>nodes</c> is the older name of <c>show</c>).
    /// </summary>
    [Fact]
    public async Task Cluster_show_and_shards_show_this_node_as_the_up_leader_hosting_the_shards()
    {
        var created = await fixture.Admin.PostJsonAsync("/api/batches", new { sku = "cli-shards", quantity = 3 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        // The shard counts are null when a region did not answer within 2 s (a busy machine): asked until they come.
        JsonElement node = default;
        Assert.True(await Eventually.HoldsAsync(async () =>
        {
            var view = await fixture.Admin.GetAsync("/api/admin/cluster");
            view.EnsureSuccessStatusCode();
            node = Assert.Single((await view.JsonAsync()).GetProperty("nodes").EnumerateArray());
            // The HTTP address comes with the node's first beat after the start (every 5 s).
            return node.GetProperty("shards").ValueKind == JsonValueKind.Number && node.GetProperty("address").ValueKind == JsonValueKind.String
                && node.GetProperty("workPartitions") is { ValueKind: JsonValueKind.Array } partitions
                && partitions.GetArrayLength() == EngineOptions.WorkPartitionCount;
        }, TimeSpan.FromSeconds(30)), $"no shard counts, address or work partitions: {node}");
        var show = await RunAsync("cluster", "show");
        var nodes = await RunAsync("cluster", "nodes");
        var json = await RunAsync("cluster", "show", "--json");
        var shards = await RunAsync("cluster", "shards");

        Assert.Equal((CliHostFixture.NodeName, "up", "up", true, true),
            (node.GetProperty("name").GetString(), node.GetProperty("status").GetString(), node.GetProperty("memberStatus").GetString(),
                node.GetProperty("reachable").GetBoolean(), node.GetProperty("leader").GetBoolean()));
        Assert.StartsWith("akka.tcp://pipeline@127.0.0.1:", node.GetProperty("clusterAddress").GetString(), StringComparison.Ordinal);
        Assert.Equal(fixture.Host.Url, node.GetProperty("address").GetString());
        Assert.False(string.IsNullOrEmpty(node.GetProperty("appVersion").GetString()));
        var byType = node.GetProperty("shardsByType").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(["batch", "event", "member", "registration", "webhook-endpoint"], byType.Keys.Order());
        Assert.InRange(byType["batch"], 1, 100);
        Assert.Equal(byType.Values.Sum(), node.GetProperty("shards").GetInt32());
        Assert.InRange(node.GetProperty("entitiesByType").GetProperty("batch").GetInt32(), 1, int.MaxValue);
        Assert.Equal(Enumerable.Range(0, EngineOptions.WorkPartitionCount), node.GetProperty("workPartitions").EnumerateArray().Select(p => p.GetInt32()));

        foreach (var run in new[] { show, nodes })
        {
            Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
            var line = Assert.Single(run.Output.Split('\n'), l => l.Contains(CliHostFixture.NodeName, StringComparison.Ordinal));
            Assert.Matches(@"\bup\b.*\bup\b.*\byes\b.*\byes\b", line); // status, member status, reachable, leader
            Assert.Contains("tickets", line, StringComparison.Ordinal);
        }
        Assert.True(json.ExitCode == ExitCodes.Ok, json.ToString());
        Assert.Equal("up", Assert.Single(JsonDocument.Parse(json.Output).RootElement.GetProperty("nodes").EnumerateArray())
            .GetProperty("memberStatus").GetString());
        Assert.True(shards.ExitCode == ExitCodes.Ok, shards.ToString());
        var batchRow = Assert.Single(shards.Output.Split('\n'), l => l.Contains(" batch ", StringComparison.Ordinal));
        Assert.Contains(CliHostFixture.NodeName, batchRow, StringComparison.Ordinal);
        Assert.Contains($" {byType["batch"]} ", batchRow, StringComparison.Ordinal);
        var allRow = Assert.Single(shards.Output.Split('\n'), l => l.Contains(" (all) ", StringComparison.Ordinal));
        Assert.Contains($" 0-{EngineOptions.WorkPartitionCount - 1} ", allRow, StringComparison.Ordinal); // every partition, as one run
    }

    /// <summary>Leave and down of a node the cluster never had: 404 node_not_found over HTTP, and exit 1 naming it in the tool.</summary>
    [Fact]
    public async Task Leave_and_down_of_an_unknown_node_are_node_not_found_and_exit_1()
    {
        foreach (var action in new[] { "leave", "down" })
        {
            var response = await fixture.Admin.PostAsync($"/api/admin/cluster/nodes/no-such-node/{action}", null);
            var run = await RunAsync("cluster", action, "no-such-node");

            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.JsonAsync();
            Assert.Equal("node_not_found", problem.GetProperty("code").GetString());
            Assert.Contains("'no-such-node'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(ExitCodes.Failed, run.ExitCode);
            Assert.Contains("'no-such-node'", run.Error, StringComparison.Ordinal);
            Assert.Contains("(node_not_found, 404", run.Error, StringComparison.Ordinal);
        }
        using var anonymous = fixture.Host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await anonymous.PostAsync($"/api/admin/cluster/nodes/{CliHostFixture.NodeName}/leave", null)).StatusCode);
        var view = await (await fixture.Admin.GetAsync("/api/admin/cluster")).JsonAsync();
        Assert.Equal("up", Assert.Single(view.GetProperty("nodes").EnumerateArray()).GetProperty("memberStatus").GetString());
    }

    [Fact]
    public async Task Status_shows_readiness_and_the_pipelines()
    {
        var run = await RunAsync("status");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains($"{fixture.Host.Url}: ready", run.Output, StringComparison.Ordinal);
        Assert.Contains("storage", run.Output, StringComparison.Ordinal);
        Assert.Contains("whatsapp", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batches_show_prints_the_batch()
    {
        var created = await fixture.Admin.PostJsonAsync("/api/batches", new { sku = "cli-sku", quantity = 7 });
        var id = (await created.JsonAsync()).GetProperty("id").GetString()!;

        var run = await RunAsync("batches", "show", id);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains(id, run.Output, StringComparison.Ordinal);
        Assert.Contains("cli-sku", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Payments_unapplied_lists_a_second_payment_of_a_paid_registration()
    {
        var (registrationId, orderId, unappliedPaymentId) = await PayTwiceAsync();

        var table = await RunAsync("payments", "unapplied", "--limit", "200");
        var json = await RunAsync("payments", "unapplied", "--limit", "200", "--json");

        Assert.True(table.ExitCode == ExitCodes.Ok, table.ToString());
        Assert.Contains("PAYMENT", table.Output, StringComparison.Ordinal);
        var row = Assert.Single(table.Output.Split('\n'), l => l.Contains(unappliedPaymentId, StringComparison.Ordinal));
        Assert.Contains(orderId, row, StringComparison.Ordinal);
        Assert.Contains(registrationId, row, StringComparison.Ordinal);
        Assert.Contains("499.00 INR", row, StringComparison.Ordinal);
        Assert.True(json.ExitCode == ExitCodes.Ok, json.ToString());
        var kept = Assert.Single(JsonDocument.Parse(json.Output).RootElement.GetProperty("items").EnumerateArray(),
            p => p.GetProperty("paymentId").GetString() == unappliedPaymentId);
        Assert.Equal(registrationId, kept.GetProperty("registrationId").GetString());
        Assert.Equal(orderId, kept.GetProperty("orderId").GetString());
    }

    [Fact]
    public async Task A_wrong_admin_key_fails_with_a_clear_message()
    {
        var run = await CliRun.RunAsync("pipelines", "list", "--url", fixture.Host.Url, "--api-key", "not-the-key-0123456789");

        Assert.Equal(ExitCodes.Unauthorized, run.ExitCode);
        Assert.Contains("the admin key was refused", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task No_admin_key_says_how_to_give_one()
    {
        var run = await CliRun.RunAsync("cluster", "nodes", "--url", fixture.Host.Url);

        Assert.Equal(ExitCodes.Unauthorized, run.ExitCode);
        Assert.Contains("PIPELINE_API_KEY", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_address_and_key_come_from_the_environment_too()
    {
        var environment = new Dictionary<string, string> { ["PIPELINE_URL"] = fixture.Host.Url, ["PIPELINE_API_KEY"] = CliHostFixture.AdminKey };

        var run = await CliRun.RunAsync(environment, null, "pipelines", "show", "webhooks");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains("webhooks", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_problem_from_the_host_is_printed_with_its_code()
    {
        var unknown = await RunAsync("pipelines", "tune", "sms", "--rate", "5");
        var invalid = await RunAsync("pipelines", "tune", "whatsapp", "--rate", "0");

        Assert.Equal(ExitCodes.Failed, unknown.ExitCode);
        Assert.Contains("(pipeline_not_found, 404", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Failed, invalid.ExitCode);
        Assert.Contains("ratePerSecond: must be above 0", invalid.Error, StringComparison.Ordinal);
        Assert.Contains("validation_failed", invalid.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, (await PipelineAsync("whatsapp")).GetProperty("ratePerSecond").GetDouble());
    }

    [Fact]
    public async Task A_wrong_command_line_prints_help_and_exits_2()
    {
        var nothingToChange = await RunAsync("pipelines", "tune", "whatsapp");
        var unknownOption = await RunAsync("pipelines", "list", "--frobnicate");

        Assert.Equal(ExitCodes.Usage, nothingToChange.ExitCode);
        Assert.Contains("nothing to change", nothingToChange.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, unknownOption.ExitCode);
        Assert.Contains("--frobnicate", unknownOption.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_that_is_down_is_reported_as_unreachable()
    {
        var url = $"http://127.0.0.1:{ClosedPort()}";

        var run = await CliRun.RunAsync("status", "--url", url, "--api-key", CliHostFixture.AdminKey);

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Equal($"cannot reach {url}: is the host running?", run.Error.Trim());
    }

    /// <summary>
    /// Pays one registration, then pays it again with another valid payment: the second is 409 already_paid and kept
    /// as unapplied (a refund due). Returns the registration, its order and the unapplied payment.
    /// </summary>
    private async Task<(string RegistrationId, string OrderId, string PaymentId)> PayTwiceAsync()
    {
        using var anonymous = fixture.Host.CreateClient();
        var eventId = await CreatedIdAsync(fixture.Admin, "/api/events",
            new { name = "CLI Conf", venue = "Pune", startsAt = "2026-12-31T18:30:00Z", fee = new { amount = 49900, currency = "INR" } });
        var memberId = await CreatedIdAsync(fixture.Admin, "/api/members", new { name = "Ravi", phone = "+919800000042" });
        var order = await anonymous.PostJsonAsync($"/api/public/events/{eventId}/orders", new { memberId });
        Assert.Equal(HttpStatusCode.Created, order.StatusCode);
        var placed = await order.JsonAsync();
        var orderId = placed.GetProperty("orderId").GetString()!;

        var first = await ConfirmAsync(anonymous, eventId, memberId, orderId, PaymentScenario.NewPaymentId());
        var secondPaymentId = PaymentScenario.NewPaymentId();
        var second = await ConfirmAsync(anonymous, eventId, memberId, orderId, secondPaymentId);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("already_paid", (await second.JsonAsync()).GetProperty("code").GetString());
        return (placed.GetProperty("registrationId").GetString()!, orderId, secondPaymentId);
    }

    private static Task<HttpResponseMessage> ConfirmAsync(HttpClient client, string eventId, string memberId, string orderId, string paymentId) =>
        client.PostJsonAsync($"/api/public/events/{eventId}/confirm-payment", new Dictionary<string, string>
        {
            ["memberId"] = memberId,
            ["razorpay_order_id"] = orderId,
            ["razorpay_payment_id"] = paymentId,
            ["razorpay_signature"] = RazorpaySignature.ForPayment(PipelineApp.RazorpayKeySecret, orderId, paymentId),
        });

    private static async Task<string> CreatedIdAsync(HttpClient admin, string path, object body)
    {
        var response = await admin.PostJsonAsync(path, body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> PipelineAsync(string name)
    {
        var response = await fixture.Admin.GetAsync($"/api/admin/pipelines/{name}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.JsonAsync();
    }

    /// <summary>A port nothing listens on: taken from the OS, then released.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
