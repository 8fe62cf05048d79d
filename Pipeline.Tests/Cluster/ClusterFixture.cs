using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Pipeline.Streams.Pipelines.Webhooks;
using Pipeline.Tests.Fakes;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Cluster;

/// <summary>
/// Three real host processes (<c>node-1</c>..<c>node-3</c>) on 127.0.0.1, on one PostgreSQL database, each with the
/// same admin key and secrets, as a deployment behind a load balancer would run them. Each node sends WhatsApp messages
/// to a fake Graph API of its own, so a test can tell which node sent which message; all deliver webhooks to one
/// receiver. Leases, heartbeats and drains are short so that takeovers and drains happen within a test.
/// </summary>
/// <remarks>
/// Tests kill and stop nodes and turn pipeline settings: each test starts with <see cref="EnsureAllUpAsync"/>, which
/// starts again whichever node an earlier test left down (same name, new port) and puts back the settings an earlier
/// test changed with <see cref="SetPipelineAsync"/> on the nodes that stayed up.
/// </remarks>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string AdminKey = "cluster-test-admin-key-0123";
    public const int Size = 3;

    /// <summary>Tickets and webhook fan-out leases (Pipeline:Pipelines:LeaseDuration).</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(5);

    /// <summary>Pipeline:Webhooks:AttemptTimeout. A delivery's lease must outlast an attempt: see <see cref="DeliveryLease"/>.</summary>
    public static readonly TimeSpan WebhookAttemptTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The lease of one webhook delivery: the longer of the lease duration and an attempt plus its settle margin.</summary>
    public static readonly TimeSpan DeliveryLease = LeaseDuration > WebhookAttemptTimeout + WebhookPipeline.SettleMargin
        ? LeaseDuration
        : WebhookAttemptTimeout + WebhookPipeline.SettleMargin;

    /// <summary>Pipeline:Webhooks:MaxInFlightPerEndpoint: deliveries to one endpoint a node holds at once (claimed, waiting or under way).</summary>
    public const int WebhookLaneSize = 4;

    /// <summary>Pipeline:WhatsApp:AttemptTimeout (upload and message).</summary>
    public static readonly TimeSpan WhatsAppAttemptTimeout = TimeSpan.FromSeconds(6);

    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan GoneAfter = TimeSpan.FromSeconds(2);

    private readonly HostProcess?[] _nodes = new HostProcess?[Size];
    private readonly HttpClient?[] _clients = new HttpClient?[Size];

    /// <summary>A pipeline's settings as they were before a test changed them, by node process and pipeline.</summary>
    private readonly Dictionary<(HostProcess Node, string Pipeline), JsonElement> _changedSettings = [];

    private string _workingDirectory = "";

    public PostgresTestDatabase Database { get; } = new();

    /// <summary>One fake WhatsApp Cloud API per node (index = node index).</summary>
    public FakeGraphApi[] Graphs { get; } = new FakeGraphApi[Size];

    public WebhookReceiver Receiver { get; private set; } = null!;

    public static string NodeName(int index) => $"node-{index + 1}";

    public bool IsUp(int index) => _nodes[index] is not null;

    public HostProcess Node(int index) => _nodes[index] ?? throw new InvalidOperationException($"{NodeName(index)} is down.");

    /// <summary>An admin client of the node (also fine for public routes).</summary>
    public HttpClient Client(int index) => _clients[index] ?? throw new InvalidOperationException($"{NodeName(index)} is down.");

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        for (var i = 0; i < Size; i++)
        {
            Graphs[i] = await FakeGraphApi.StartAsync();
        }
        Receiver = await WebhookReceiver.StartAsync();
        _workingDirectory = Directory.CreateTempSubdirectory("pipeline-cluster-").FullName;
        await EnsureAllUpAsync();
    }

    /// <summary>
    /// Starts every node that is down, all at once (they migrate the one database together on the first start), puts
    /// back pipeline settings a test changed on the nodes that stayed up, and lets the fake Graph APIs answer at once.
    /// </summary>
    public async Task EnsureAllUpAsync()
    {
        var starting = Enumerable.Range(0, Size).Where(i => !IsUp(i)).Select(StartAsync).ToList();
        await Task.WhenAll(starting);
        foreach (var ((node, pipeline), original) in _changedSettings)
        {
            var index = Array.IndexOf(_nodes, node);
            if (index >= 0)
            {
                await PutPipelineAsync(index, pipeline, new
                {
                    ratePerSecond = original.GetProperty("ratePerSecond").GetDouble(),
                    parallelism = original.GetProperty("parallelism").GetInt32(),
                    bufferSize = original.GetProperty("bufferSize").GetInt32(),
                    paused = original.GetProperty("paused").GetBoolean(),
                });
            }
        }
        _changedSettings.Clear();
        foreach (var graph in Graphs)
        {
            graph.Latency = TimeSpan.Zero;
            graph.Down = false;
            graph.Release();
        }
    }

    /// <summary>
    /// <c>PUT /api/admin/pipelines/{pipeline}</c> on one node (e.g. <c>new { paused = true }</c>); the next
    /// <see cref="EnsureAllUpAsync"/> puts the settings back if the node is still up. Returns the pipeline as answered.
    /// </summary>
    public async Task<JsonElement> SetPipelineAsync(int index, string pipeline, object settings)
    {
        var key = (Node(index), pipeline);
        if (!_changedSettings.ContainsKey(key))
        {
            var current = await Client(index).GetAsync($"/api/admin/pipelines/{pipeline}");
            current.EnsureSuccessStatusCode();
            _changedSettings[key] = await current.JsonAsync();
        }
        return await PutPipelineAsync(index, pipeline, settings);
    }

    private async Task<JsonElement> PutPipelineAsync(int index, string pipeline, object settings)
    {
        var response = await Client(index).PutAsync($"/api/admin/pipelines/{pipeline}", JsonContent.Create(settings));
        var body = await response.JsonAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"PUT {pipeline} on {NodeName(index)}: {(int)response.StatusCode} {body}");
        }
        return body;
    }

    /// <summary>
    /// Waits until nothing more can reach the fakes: no call in flight at any fake Graph API or at the receiver, and no
    /// attempt in flight in any pipeline of a node that is up. Call it once the database says a test's work is done and
    /// before counting what arrived, instead of sleeping "long enough for a duplicate". False after <paramref name="timeout"/>.
    /// </summary>
    public Task<bool> WaitUntilQuietAsync(TimeSpan timeout) => Poll.UntilAsync(async () =>
    {
        if (Graphs.Any(g => g.InFlight > 0) || Receiver.InFlight > 0)
        {
            return false;
        }
        for (var i = 0; i < Size; i++)
        {
            if (!IsUp(i))
            {
                continue;
            }
            var pipelines = await (await Client(i).GetAsync("/api/admin/pipelines")).JsonAsync();
            if (pipelines.GetProperty("pipelines").EnumerateArray().Any(p => p.GetProperty("inFlight").GetInt64() > 0))
            {
                return false;
            }
        }
        return true;
    }, timeout, TimeSpan.FromMilliseconds(50));

    /// <summary>The database's clock, the one every lease, heartbeat and node status of the cluster is written and judged by.</summary>
    public async Task<DateTimeOffset> DatabaseNowAsync() =>
        (await QueryAsync("SELECT now()", r => r.GetFieldValue<DateTimeOffset>(0)))[0];

    /// <summary>SIGKILL: no drain, no hand-back, no leave; its leases expire and its heartbeat stops.</summary>
    public async Task KillAsync(int index)
    {
        var node = Node(index);
        _nodes[index] = null;
        _clients[index]?.Dispose();
        _clients[index] = null;
        await node.KillAsync();
        await node.DisposeAsync();
    }

    /// <summary>SIGSTOP: the node is frozen, its sockets open, and answers nothing until woken (<see cref="WakeAsync"/>) or killed.</summary>
    public Task FreezeAsync(int index) => Node(index).SignalAsync("STOP");

    /// <summary>SIGCONT: a frozen node runs again, from where it stopped.</summary>
    public Task WakeAsync(int index) => Node(index).SignalAsync("CONT");

    /// <summary>
    /// For a node that stops by itself (told to leave): waits for its process to exit and takes it out of the fixture,
    /// so the next <see cref="EnsureAllUpAsync"/> starts it again. Its exit code, or null when it still ran after
    /// <paramref name="timeout"/> and was killed.
    /// </summary>
    public async Task<int?> AwaitExitAsync(int index, TimeSpan timeout)
    {
        var node = Node(index);
        _nodes[index] = null;
        _clients[index]?.Dispose();
        _clients[index] = null;
        var exitCode = await node.WaitForExitAsync(timeout);
        await node.DisposeAsync();
        return exitCode;
    }

    /// <summary>
    /// SIGTERM: a graceful stop. Returns how long the process took to exit, from the signal. <paramref name="signaled"/>
    /// runs as soon as the signal is sent (e.g. to let calls go on that the test held so they would be under way at the stop).
    /// </summary>
    public async Task<TimeSpan> TerminateAsync(int index, TimeSpan timeout, Action? signaled = null)
    {
        var node = Node(index);
        _nodes[index] = null;
        _clients[index]?.Dispose();
        _clients[index] = null;
        var took = await node.TerminateAsync(timeout, signaled);
        await node.DisposeAsync();
        return took;
    }

    /// <summary>The first column of the first row of <paramref name="sql"/> on the cluster's database (parameters $1, $2, ...).</summary>
    public async Task<long> ScalarAsync(string sql, params object[] parameters)
    {
        var rows = await QueryAsync(sql, r => Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture), parameters);
        return rows[0];
    }

    public async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }
        return rows;
    }

    private async Task StartAsync(int index)
    {
        var node = await HostProcess.StartAsync(Settings(index), _workingDirectory);
        _nodes[index] = node;
        _clients[index] = node.CreateClient(AdminKey);
    }

    private Dictionary<string, string> Settings(int index) => new()
    {
        ["Pipeline:Node:Name"] = NodeName(index),
        ["Pipeline:Node:HeartbeatInterval"] = HeartbeatInterval.ToString("c"),
        ["Pipeline:Node:GoneAfter"] = GoneAfter.ToString("c"),
        ["Pipeline:Storage:Provider"] = Database.Provider,
        // Three hosts and the test on one server: a small pool each.
        ["Pipeline:Storage:ConnectionString"] = new NpgsqlConnectionStringBuilder(Database.ConnectionString) { MaxPoolSize = 30 }.ToString(),
        ["Pipeline:Admin:ApiKey"] = AdminKey,
        ["Pipeline:Razorpay:KeySecret"] = PipelineApp.RazorpayKeySecret,
        ["Pipeline:Razorpay:WebhookSecret"] = PipelineApp.RazorpayWebhookSecret,
        ["Pipeline:Tickets:SigningKey"] = PipelineApp.TicketSigningKey,
        ["Pipeline:RateLimits:Enabled"] = "false",
        ["Pipeline:WhatsApp:BaseUrl"] = Graphs[index].BaseUrl,
        ["Pipeline:WhatsApp:PhoneNumberId"] = FakeGraphApi.PhoneNumberId,
        ["Pipeline:WhatsApp:AccessToken"] = FakeGraphApi.AccessToken,
        ["Pipeline:WhatsApp:AttemptTimeout"] = WhatsAppAttemptTimeout.ToString("c"),
        ["Pipeline:Webhooks:AllowPrivateNetworks"] = "true",
        ["Pipeline:Webhooks:AttemptTimeout"] = WebhookAttemptTimeout.ToString("c"),
        ["Pipeline:Webhooks:MaxInFlightPerEndpoint"] = WebhookLaneSize.ToString(CultureInfo.InvariantCulture),
        ["Pipeline:Webhooks:RetryDelays:0"] = "00:00:01",
        ["Pipeline:Webhooks:RetryDelays:1"] = "00:00:02",
        ["Pipeline:Pipelines:LeaseDuration"] = LeaseDuration.ToString("c"),
        ["Pipeline:Pipelines:PollInterval"] = PollInterval.ToString("c"),
        ["Pipeline:Pipelines:DrainTimeout"] = DrainTimeout.ToString("c"),
        // Few tickets claimed ahead per node, so what a node holds when it dies is a handful, sent soon after the claim.
        ["Pipeline:Pipelines:tickets:BufferSize"] = "8",
        ["Pipeline:Pipelines:whatsapp:Parallelism"] = "8",
    };

    public async Task DisposeAsync()
    {
        for (var i = 0; i < Size; i++)
        {
            if (_nodes[i] is { } node)
            {
                _clients[i]?.Dispose();
                await node.DisposeAsync();
                _nodes[i] = null;
            }
        }
        foreach (var graph in Graphs)
        {
            if (graph is not null)
            {
                await graph.DisposeAsync();
            }
        }
        if (Receiver is not null)
        {
            await Receiver.DisposeAsync();
        }
        await Database.DisposeAsync();
        if (_workingDirectory.Length > 0)
        {
            Directory.Delete(_workingDirectory, recursive: true);
        }
    }
}
