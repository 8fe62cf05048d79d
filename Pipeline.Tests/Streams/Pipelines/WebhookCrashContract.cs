using System.Diagnostics;
using System.Net;
using Npgsql;
using Pipeline.Tests.Fakes;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Streams.Pipelines;

/// <summary>SQLite is one node: the second host starts on the same file after the first is killed.</summary>
[Collection(TimingCollection.Name)]
public sealed class SqliteWebhookCrashTests(ITestOutputHelper output) : WebhookCrashContract(new SqliteTestDatabase(), output)
{
    protected override bool HostsShareTheDatabase => false;
}

/// <summary>
/// PostgreSQL: two hosts on one database from the start, and the second takes over what the killed one held. In the
/// crash test the second host's deliveries are paused until the first is dead, so what the first held is all that was in
/// flight; the test below has both deliver side by side.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class PostgresWebhookCrashTests(ITestOutputHelper output) : WebhookCrashContract(new PostgresTestDatabase(), output)
{
    protected override bool HostsShareTheDatabase => true;

    /// <summary>
    /// The normal case on two nodes: every message reaches each endpoint once. Two nodes claim the same queue all the
    /// time; the claim's row locks (SKIP LOCKED) and lease tokens are what keep them from sending a delivery twice.
    /// </summary>
    [Fact]
    public async Task Two_hosts_on_one_database_deliver_each_message_once_per_endpoint()
    {
        const int messages = 40;
        await using var first = await StartHostAsync("node-a");
        await using var second = await StartHostAsync("node-b");
        using var clientA = first.CreateClient(AdminKey);
        using var clientB = second.CreateClient(AdminKey);
        await WebhookTestKit.CreateEndpointAsync(clientA, Receiver, "one", Depleted);
        await WebhookTestKit.CreateEndpointAsync(clientB, Receiver, "two", Depleted);
        Receiver.Slow("one", TimeSpan.FromMilliseconds(100));

        var ids = new List<string>();
        for (var i = 0; i < messages; i++)
        {
            ids.Add((await WebhookTestKit.DepleteBatchAsync(i % 2 == 0 ? clientA : clientB)).BatchId);
        }

        foreach (var endpoint in new[] { "one", "two" })
        {
            Assert.True(await Eventually.HoldsAsync(() => Receiver.For(endpoint).Count(r => r.AnsweredStatus == 200) >= messages, TimeSpan.FromSeconds(60)),
                $"{endpoint} got {Receiver.For(endpoint).Count} of {messages}");
        }
        // A duplicate, if there were one, would come from work still queued or in flight: wait until there is none.
        Assert.True(await WebhookTestKit.WaitUntilDrainedAsync([clientA, clientB], Receiver, TimeSpan.FromSeconds(30)), "both hosts drained");
        foreach (var endpoint in new[] { "one", "two" })
        {
            var receipts = Receiver.For(endpoint);
            Assert.Equal(messages, receipts.Count);
            Assert.Equal(messages, receipts.Select(r => r.WebhookId).Distinct().Count());
            Assert.Equal(ids.Order(), receipts.Select(WebhookTestKit.BatchIdOf).Order());
            Assert.All(receipts, r => Assert.True(r.SignatureValid));
        }
        Output.WriteLine($"two hosts: {messages} messages × 2 endpoints, {Receiver.Receipts.Count} requests, no duplicates");
    }

    /// <summary>
    /// The journal projection runs on one node (the oldest). Messages written while that node's projection cannot commit,
    /// and so in the journal only when it dies, are delivered all the same: the survivor takes the resolver's lease, downs
    /// the dead node, and its projection takes over from the stored checkpoint.
    /// </summary>
    [Fact]
    public async Task Messages_journaled_but_not_projected_when_the_projecting_node_dies_are_delivered_by_the_survivor()
    {
        const int messages = 10;
        var doomed = await StartHostAsync("node-a");
        await using var _ = doomed;
        await using var survivor = await StartHostAsync("node-b");
        using var client = doomed.CreateClient(AdminKey);
        using var survivorClient = survivor.CreateClient(AdminKey);
        await WebhookTestKit.CreateEndpointAsync(client, Receiver, "fast", Depleted);
        var ids = new List<string> { (await WebhookTestKit.DepleteBatchAsync(client)).BatchId };
        Assert.True(await Eventually.HoldsAsync(() => Receiver.For("fast").Count >= 1, TimeSpan.FromSeconds(30)), "the first message is delivered");

        // The projection's checkpoint row locked: node-a's projection cannot commit what it reads from here on.
        await using var hold = new NpgsqlConnection(Database.ConnectionString);
        await hold.OpenAsync();
        await using var holding = await hold.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT ordering FROM projection_checkpoints FOR UPDATE", hold, holding))
        {
            await lockRow.ExecuteNonQueryAsync();
        }
        for (var i = 1; i < messages; i++)
        {
            ids.Add((await WebhookTestKit.DepleteBatchAsync(client)).BatchId);
        }
        await doomed.KillAsync();
        var killedAt = Stopwatch.GetTimestamp();
        await holding.RollbackAsync();
        var unprojected = await Database.ScalarAsync("SELECT (SELECT coalesce(max(ordering), 0) FROM event_journal) - (SELECT coalesce(max(ordering), 0) FROM projection_checkpoints)");
        Assert.True(unprojected >= messages - 1, $"{unprojected} journal rows past the checkpoint at the kill");

        if (!await Eventually.HoldsAsync(() => Receiver.For("fast").Where(r => r.AnsweredStatus == 200).Select(r => r.WebhookId).Distinct().Count() >= messages, TimeSpan.FromSeconds(90)))
        {
            Assert.Fail($"only {Receiver.For("fast").Count(r => r.AnsweredStatus == 200)} of {messages} delivered; " + await DescribeAsync(survivor));
        }
        Assert.Equal(ids.Order(), Receiver.For("fast").Where(r => r.AnsweredStatus == 200).Select(WebhookTestKit.BatchIdOf).Distinct().Order());
        await using var leases = new NpgsqlCommand("SELECT string_agg(name || ' held by ' || owner, ', ') FROM leases", hold);
        Output.WriteLine($"{unprojected} journal rows past the checkpoint at the kill; all {messages} delivered {Stopwatch.GetElapsedTime(killedAt).TotalSeconds:F1} s after it;"
            + $" the resolver's lease: {await leases.ExecuteScalarAsync()}");
    }
}

/// <summary>
/// A host SIGKILLed with deliveries in flight leaves nothing undelivered: its leases expire and another host (or the
/// same one started again) delivers the rest. The only repeats are deliveries the dead host held (and may have sent)
/// when it died: the receiver sees those twice, with the same <c>webhook-id</c>, which is what the id is for. The host
/// dies with requests the receiver has and never answered, so that case always happens here.
/// </summary>
public abstract class WebhookCrashContract(TestDatabase database, ITestOutputHelper output) : IAsyncLifetime
{
    protected TestDatabase Database => database;

    protected const string AdminKey = "webhook-crash-admin-key-0123";
    protected const string Depleted = "batch.depleted";
    /// <summary>
    /// Enough that node-a, which on PostgreSQL claims only its share of the work partitions (about a half of the fan-outs,
    /// a half of those deliveries: some 30), still has deliveries to send after its first few were answered.
    /// </summary>
    private const int Messages = 120;
    private string _workingDirectory = "";

    protected WebhookReceiver Receiver { get; private set; } = null!;

    protected ITestOutputHelper Output { get; } = output;

    /// <summary>True when both hosts run at once (PostgreSQL); false when the second starts after the first died (SQLite).</summary>
    protected abstract bool HostsShareTheDatabase { get; }

    public async Task InitializeAsync()
    {
        await database.InitializeAsync();
        Receiver = await WebhookReceiver.StartAsync();
        _workingDirectory = Directory.CreateTempSubdirectory("pipeline-webhook-crash-").FullName;
    }

    public async Task DisposeAsync()
    {
        await Receiver.DisposeAsync();
        await database.DisposeAsync();
        Directory.Delete(_workingDirectory, recursive: true);
    }

    [Fact]
    public async Task A_host_killed_mid_delivery_leaves_nothing_undelivered_and_repeats_only_what_it_held()
    {
        var doomed = await StartHostAsync("node-a");
        await using var _ = doomed;
        HostProcess? survivor = HostsShareTheDatabase ? await StartHostAsync("node-b") : null;
        try
        {
            using var client = doomed.CreateClient(AdminKey);
            if (survivor is not null)
            {
                // node-b sends nothing until node-a is dead: paused before any message exists, so node-a alone claims (its
                // share of the work partitions; node-b's share waits), and what node-a holds at its death is all that is in flight.
                using var survivorAdmin = survivor.CreateClient(AdminKey);
                await SetWebhooksPausedAsync(survivorAdmin, true);
            }
            // node-a too waits until every message exists: on a slow box it could otherwise deliver its whole share while
            // the messages are still being made, and have nothing left in flight when the receiver starts to hang.
            await SetWebhooksPausedAsync(client, true);
            await WebhookTestKit.CreateEndpointAsync(client, Receiver, "slow", Depleted);
            Receiver.Slow("slow", TimeSpan.FromMilliseconds(200)); // deliveries overlap: several in flight at once
            var ids = new List<string>();
            for (var i = 0; i < Messages; i++)
            {
                ids.Add((await WebhookTestKit.DepleteBatchAsync(client)).BatchId);
            }
            await SetWebhooksPausedAsync(client, false);

            // Once node-a has delivered a few, the receiver takes requests but answers none, and node-a is killed as soon
            // as one has arrived: the receiver has that delivery and node-a never learns it. No attempt can reach its
            // timeout (3 s) first: every unanswered one was sent after the switch, and the kill follows at once.
            Assert.True(await Eventually.HoldsAsync(() => Receiver.For("slow").Count(r => r.AnsweredStatus == 200) >= 3, TimeSpan.FromSeconds(60)),
                "node-a delivers");
            Receiver.Hang("slow");
            var hangingFrom = Receiver.Receipts.Count; // every request recorded after this one hangs (it reads the behavior after recording)
            Assert.True(await Eventually.HoldsAsync(() => Receiver.Receipts.Count > hangingFrom, TimeSpan.FromSeconds(60)),
                "node-a sends a delivery that is not answered");
            await doomed.KillAsync();
            var killedAt = Stopwatch.GetTimestamp();
            var atKill = Receiver.For("slow");

            // What node-a held at its death: nobody else claims (node-b is paused or not started), so its leases stay as
            // they were until it is resumed.
            var held = await HeldByAsync("node-a");
            var unanswered = atKill.Where(r => r.AnsweredStatus is null).Select(r => r.WebhookId).ToHashSet();
            Receiver.AnswerWith("slow", 200);

            if (survivor is not null)
            {
                using var survivorAdmin = survivor.CreateClient(AdminKey);
                await SetWebhooksPausedAsync(survivorAdmin, false);
            }
            survivor ??= await StartHostAsync("node-b");
            using var survivorClient = survivor.CreateClient(AdminKey);
            if (!await Eventually.HoldsAsync(
                () => Receiver.For("slow").Where(r => r.AnsweredStatus == 200).Select(r => r.WebhookId).Distinct().Count() >= Messages,
                TimeSpan.FromSeconds(90)))
            {
                Assert.Fail($"only {Receiver.For("slow").Where(r => r.AnsweredStatus == 200).Select(r => r.WebhookId).Distinct().Count()} of {Messages} delivered; "
                    + await DescribeAsync(survivor));
            }
            var recovered = Stopwatch.GetElapsedTime(killedAt);
            // A repeat, if there were one more, would come from work still queued or in flight: wait until there is none.
            Assert.True(await WebhookTestKit.WaitUntilDrainedAsync([survivorClient], Receiver, TimeSpan.FromSeconds(30)), "node-b drained");

            var receipts = Receiver.For("slow");
            var repeated = receipts.GroupBy(r => r.WebhookId).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.Equal(ids.Order(), receipts.Where(r => r.AnsweredStatus == 200).Select(WebhookTestKit.BatchIdOf).Distinct().Order());
            Assert.All(repeated, id => Assert.Contains(id, held));
            Assert.All(receipts.GroupBy(r => r.WebhookId), g => Assert.InRange(g.Count(), 1, 2));
            // The receiver has these and node-a never got the answer: node-a held each, and each came exactly once more.
            Assert.NotEmpty(unanswered);
            Assert.All(unanswered, id =>
            {
                Assert.Contains(id, held);
                Assert.Equal(2, receipts.Count(r => r.WebhookId == id));
            });
            Assert.Equal(Messages, await database.ScalarAsync("SELECT count(*) FROM work_items WHERE queue = 'deliveries' AND state = 'done'"));
            Output.WriteLine($"{database.Provider}: node-a held {held.Count} deliveries when killed, {unanswered.Count} of them at the receiver unanswered"
                + $" ({atKill.Count(r => r.AnsweredStatus == 200)} of {Messages} answered before); all {Messages} delivered {recovered.TotalSeconds:F1} s after"
                + $" the kill; {repeated.Count} sent twice (all among those node-a held); {receipts.Count} requests in all");
        }
        finally
        {
            if (survivor is not null)
            {
                await survivor.DisposeAsync();
            }
        }
    }

    protected async Task<HostProcess> StartHostAsync(string name) => await HostProcess.StartAsync(HostSettings.For(database, AdminKey, new()
    {
        ["Pipeline:Node:Name"] = name,
        ["Pipeline:Webhooks:AllowPrivateNetworks"] = "true",
        // A delivery's lease is the attempt timeout plus a settle margin (8 s): what a dead node's deliveries wait.
        ["Pipeline:Webhooks:AttemptTimeout"] = "00:00:03",
        ["Pipeline:Pipelines:LeaseDuration"] = "00:00:02",
        ["Pipeline:Pipelines:PollInterval"] = "00:00:00.1",
    }), _workingDirectory);

    private static async Task SetWebhooksPausedAsync(HttpClient admin, bool paused)
    {
        var response = await admin.PutAsync("/api/admin/pipelines/webhooks", System.Net.Http.Json.JsonContent.Create(new { paused }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Where the work stands, and the survivor's last log lines: what a failure needs to be read.</summary>
    protected async Task<string> DescribeAsync(HostProcess survivor)
    {
        var facts = new List<string>();
        foreach (var (name, sql) in new[]
        {
            ("journal", "SELECT coalesce(max(ordering), 0) FROM event_journal"),
            ("checkpoint", "SELECT coalesce(max(ordering), 0) FROM projection_checkpoints"),
            ("outbox", "SELECT count(*) FROM outbox"),
            ("fan-outs pending", "SELECT count(*) FROM work_items WHERE queue = 'webhooks' AND state = 'pending'"),
            ("fan-outs done", "SELECT count(*) FROM work_items WHERE queue = 'webhooks' AND state = 'done'"),
            ("deliveries pending", "SELECT count(*) FROM work_items WHERE queue = 'deliveries' AND state = 'pending'"),
            ("deliveries done", "SELECT count(*) FROM work_items WHERE queue = 'deliveries' AND state = 'done'"),
            ("dead", "SELECT count(*) FROM work_items WHERE state = 'dead'"),
        })
        {
            facts.Add($"{name} {await database.ScalarAsync(sql)}");
        }
        return string.Join(", ", facts) + "\nsurvivor log:\n" + string.Join("\n", survivor.Output.TakeLast(200));
    }

    /// <summary>Message ids of the deliveries <paramref name="node"/> holds a lease on now.</summary>
    private async Task<IReadOnlyList<string>> HeldByAsync(string node)
    {
        const string sql = "SELECT message_id FROM work_items WHERE queue = 'deliveries' AND state = 'pending' AND lease_owner = @node";
        var ids = new List<string>();
        if (database is PostgresTestDatabase)
        {
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("node", node);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) ids.Add(reader.GetString(0));
        }
        else
        {
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(database.ConnectionString);
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("@node", node);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) ids.Add(reader.GetString(0));
        }
        return ids;
    }
}
