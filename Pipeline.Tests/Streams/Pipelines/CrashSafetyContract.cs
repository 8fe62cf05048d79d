using System.Net;
using System.Text.Json;
using Pipeline.Host.Payments;
using Pipeline.Tests.Fakes;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Pipelines;

public sealed class SqliteCrashSafetyTests() : CrashSafetyContract(new SqliteTestDatabase());

public sealed class PostgresCrashSafetyTests() : CrashSafetyContract(new PostgresTestDatabase());

/// <summary>
/// A host killed with SIGKILL while tickets are in flight loses none: the leases expire, the restarted host claims
/// the work again, and every paid registration gets its WhatsApp message; a second copy only of a message WhatsApp had
/// accepted when the host died without learning it, and only one.
/// </summary>
public abstract class CrashSafetyContract(TestDatabase database) : IAsyncLifetime
{
    private const string AdminKey = "crash-test-admin-key-0123";
    private const int Tickets = 20;

    /// <summary>
    /// What a stopping host needs besides the drain and a send under way, with the other tests running beside it: about
    /// 1 s alone, 13 s once in CI at the suite's busiest start. A send that held the stop would hold it for good (the fake
    /// answers only after the stop), so a wide slack still tells the defect apart.
    /// </summary>
    private static readonly TimeSpan StopSlack = TimeSpan.FromSeconds(15);
    private FakeGraphApi _graph = null!;
    private string _workingDirectory = "";

    public async Task InitializeAsync()
    {
        await database.InitializeAsync();
        _graph = await FakeGraphApi.StartAsync();
        _workingDirectory = Directory.CreateTempSubdirectory("pipeline-crash-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _graph.DisposeAsync();
        await database.DisposeAsync();
        Directory.Delete(_workingDirectory, recursive: true);
    }

    [Fact]
    public async Task A_host_killed_with_20_tickets_in_flight_sends_every_ticket_once_after_a_restart()
    {
        _graph.Hold(HoldPoint.BeforeAccepting); // every send waits in flight, unaccepted, until the host dies
        await using var first = await HostProcess.StartAsync(Settings(), _workingDirectory);
        var paid = new List<(string EventId, string RegistrationId, string Phone)>();
        using (var client = first.CreateClient(AdminKey))
        {
            var eventId = await CreateAsync(client, "/api/events", new
            {
                name = "Crash Conf", venue = "Chennai", startsAt = "2027-02-01T09:00:00Z", fee = new { amount = 9900, currency = "INR" },
            });
            for (var i = 0; i < Tickets; i++)
            {
                var phone = $"+9191000000{i:D2}";
                paid.Add((eventId, await PayAsync(client, eventId, phone), phone));
            }
        }

        Assert.True(await Eventually.HoldsAsync(() => _graph.Holding >= Tickets, TimeSpan.FromSeconds(60)),
            $"all {Tickets} tickets should be in flight; {_graph.Holding} calls wait at WhatsApp");
        await first.KillAsync();
        Assert.Empty(_graph.Messages);

        _graph.Release();
        await using var second = await HostProcess.StartAsync(Settings(), _workingDirectory);
        using var reader = second.CreateClient();
        foreach (var (eventId, registrationId, _) in paid)
        {
            Assert.Equal("sent", await TicketStatusWhenSettledAsync(reader, eventId, registrationId));
        }
        Assert.Equal(Tickets, _graph.Messages.Count);
        Assert.All(paid, p => Assert.Equal(1, _graph.MessagesTo(p.Phone.TrimStart('+'))));
    }

    [Fact]
    public async Task A_host_killed_after_WhatsApp_accepted_a_message_sends_that_ticket_again_once_and_no_other_twice()
    {
        const int tickets = 10;
        // WhatsApp records each message and holds its answer: the host dies with messages WhatsApp has and it never
        // learned of. It is killed as soon as one is held, long before its attempt timeout (1 min).
        _graph.Hold(HoldPoint.AfterAccepting);
        // The first host sends from a number of its own: a request it wrote before it died may be read by WhatsApp only
        // after the kill, and is then as much a message WhatsApp has and the host never learned of.
        var firstSettings = Settings();
        firstSettings["Pipeline:WhatsApp:PhoneNumberId"] = FakeGraphApi.SecondPhoneNumberId;
        await using var first = await HostProcess.StartAsync(firstSettings, _workingDirectory);
        var paid = new List<(string EventId, string RegistrationId, string Phone)>();
        using (var client = first.CreateClient(AdminKey))
        {
            var eventId = await CreateAsync(client, "/api/events", new
            {
                name = "Accepted Conf", venue = "Madurai", startsAt = "2027-02-01T09:00:00Z", fee = new { amount = 9900, currency = "INR" },
            });
            for (var i = 0; i < tickets; i++)
            {
                var phone = $"+9193000000{i:D2}";
                paid.Add((eventId, await PayAsync(client, eventId, phone), phone));
            }
        }
        Assert.True(await Eventually.HoldsAsync(() => _graph.Holding >= 1, TimeSpan.FromSeconds(60)), "WhatsApp accepted a message and holds its answer");
        await first.KillAsync();
        _graph.Release();

        await using var second = await HostProcess.StartAsync(Settings(), _workingDirectory);
        using var reader = second.CreateClient();
        using var admin = second.CreateClient(AdminKey);
        foreach (var (eventId, registrationId, _) in paid)
        {
            Assert.Equal("sent", await TicketStatusWhenSettledAsync(reader, eventId, registrationId));
        }
        // A send that would come twice would be in flight or queued: wait until nothing is before counting.
        Assert.True(await Eventually.HoldsAsync(() => _graph.InFlight == 0, TimeSpan.FromSeconds(30)), "WhatsApp idle");
        Assert.True(await PipelinesIdleAsync(admin), "the host's pipelines idle");

        // Every message from the first host went unanswered (all answers were held until it was dead).
        var fromFirst = _graph.Messages.Where(m => m.PhoneNumberId == FakeGraphApi.SecondPhoneNumberId).ToList();
        var accepted = fromFirst.Select(m => m.To).ToHashSet();
        Assert.NotEmpty(accepted);
        Assert.Equal(fromFirst.Count, accepted.Count);
        Assert.All(paid, p =>
        {
            var to = p.Phone.TrimStart('+');
            Assert.Equal(accepted.Contains(to) ? 2 : 1, _graph.MessagesTo(to));
        });
        Assert.Equal(tickets + accepted.Count, _graph.Messages.Count);
    }

    [Fact]
    public async Task A_host_stopped_with_SIGTERM_lets_hung_sends_end_at_their_attempt_timeout_and_leaves_no_lease_behind()
    {
        _graph.Hold(HoldPoint.BeforeAccepting); // sends hang: the drain cannot finish them
        var drainTimeout = TimeSpan.FromSeconds(1);
        var attemptTimeout = TimeSpan.FromSeconds(3);
        var settings = Settings();
        // The stop's timeline, for the failure message: when it began, the sends' ends, Akka's shutdown phases.
        settings["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information";
        settings["Logging:LogLevel:Akka"] = "Information";
        settings["Logging:Console:TimestampFormat"] = "HH:mm:ss.fff ";
        settings["Pipeline:Pipelines:LeaseDuration"] = "00:05:00"; // far beyond the test: only a settled attempt frees them
        settings["Pipeline:Pipelines:DrainTimeout"] = drainTimeout.ToString("c");
        // A send under way is not cut by the drain (WhatsApp may have it already): it ends at its attempt timeout, is
        // recorded as a failed attempt and scheduled for a retry, which the next host makes.
        settings["Pipeline:WhatsApp:AttemptTimeout"] = attemptTimeout.ToString("c");
        await using var first = await HostProcess.StartAsync(settings, _workingDirectory);
        var paid = new List<(string EventId, string RegistrationId)>();
        using (var client = first.CreateClient(AdminKey))
        {
            var eventId = await CreateAsync(client, "/api/events", new
            {
                name = "Drain Conf", venue = "Kochi", startsAt = "2027-02-01T09:00:00Z", fee = new { amount = 9900, currency = "INR" },
            });
            for (var i = 0; i < 5; i++)
            {
                paid.Add((eventId, await PayAsync(client, eventId, $"+9192000000{i:D2}")));
            }
        }
        Assert.True(await Eventually.HoldsAsync(() => _graph.Holding >= 5, TimeSpan.FromSeconds(60)), "the tickets are in flight");

        var stopBound = drainTimeout + attemptTimeout + StopSlack;
        var stoppedIn = await first.TerminateAsync(stopBound + TimeSpan.FromSeconds(30));
        _graph.Release();
        await using var second = await HostProcess.StartAsync(settings, _workingDirectory);
        using var reader = second.CreateClient();

        Assert.True(stoppedIn <= stopBound,
            $"the stop is bounded by the drain ({drainTimeout}) and one attempt timeout ({attemptTimeout}) plus {StopSlack} (took {stoppedIn});"
            + " the host's last lines:\n" + string.Join('\n', first.Output.TakeLast(200)));
        foreach (var (eventId, registrationId) in paid)
        {
            Assert.Equal("sent", await TicketStatusWhenSettledAsync(reader, eventId, registrationId));
        }
        Assert.Equal(5, _graph.Messages.Count);
    }

    private Dictionary<string, string> Settings() => HostSettings.For(database, AdminKey, new()
    {
        ["Pipeline:WhatsApp:BaseUrl"] = _graph.BaseUrl,
        ["Pipeline:WhatsApp:PhoneNumberId"] = FakeGraphApi.PhoneNumberId,
        ["Pipeline:WhatsApp:AccessToken"] = FakeGraphApi.AccessToken,
        ["Pipeline:WhatsApp:AttemptTimeout"] = "00:01:00",
        ["Pipeline:Pipelines:LeaseDuration"] = "00:00:03",
        ["Pipeline:Pipelines:PollInterval"] = "00:00:00.1",
        ["Pipeline:Pipelines:whatsapp:Parallelism"] = "32",
        ["Pipeline:Pipelines:tickets:Parallelism"] = "4",
    });

    private static async Task<string> CreateAsync(HttpClient client, string path, object body)
    {
        var response = await client.PostJsonAsync(path, body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetString()!;
    }

    private static async Task<string> PayAsync(HttpClient client, string eventId, string phone)
    {
        var memberId = await CreateAsync(client, "/api/members", new { name = "Member " + phone, phone });
        var order = await (await client.PostJsonAsync($"/api/public/events/{eventId}/orders", new { memberId })).JsonAsync();
        var orderId = order.GetProperty("orderId").GetString()!;
        var paymentId = PaymentScenario.NewPaymentId();
        var confirm = await client.PostJsonAsync($"/api/public/events/{eventId}/confirm-payment", new Dictionary<string, string>
        {
            ["memberId"] = memberId,
            ["razorpay_order_id"] = orderId,
            ["razorpay_payment_id"] = paymentId,
            ["razorpay_signature"] = RazorpaySignature.ForPayment(PipelineApp.RazorpayKeySecret, orderId, paymentId),
        });
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        return order.GetProperty("registrationId").GetString()!;
    }

    /// <summary>True once no pipeline of the host has anything in flight (bounded at 30 s).</summary>
    private static async Task<bool> PipelinesIdleAsync(HttpClient admin)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var pipelines = await (await admin.GetAsync("/api/admin/pipelines")).JsonAsync();
            if (pipelines.GetProperty("pipelines").EnumerateArray().All(p => p.GetProperty("inFlight").GetInt64() == 0))
            {
                return true;
            }
            await Task.Delay(50);
        }
        return false;
    }

    private static async Task<string?> TicketStatusWhenSettledAsync(HttpClient client, string eventId, string registrationId)
    {
        string? status = null;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var registration = await (await client.GetAsync($"/api/public/events/{eventId}/registrations/{registrationId}")).JsonAsync();
            status = registration.GetProperty("ticket").GetProperty("status").GetString();
            if (status != "pending")
            {
                break;
            }
            await Task.Delay(100);
        }
        return status;
    }
}
