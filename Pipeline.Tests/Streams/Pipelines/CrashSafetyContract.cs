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
/// the work again, and every paid registration gets exactly one WhatsApp message.
/// </summary>
public abstract class CrashSafetyContract(TestDatabase database) : IAsyncLifetime
{
    private const string AdminKey = "crash-test-admin-key-0123";
    private const int Tickets = 20;
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
        _graph.Latency = TimeSpan.FromSeconds(30); // every send hangs in flight until the host dies
        var first = await HostProcess.StartAsync(Settings(), _workingDirectory);
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

        Assert.True(await Eventually.HoldsAsync(() => _graph.Requests >= Tickets, TimeSpan.FromSeconds(30)),
            $"all {Tickets} tickets should be in flight; {_graph.Requests} requests reached WhatsApp");
        await first.KillAsync();
        Assert.Empty(_graph.Messages);

        _graph.Latency = TimeSpan.Zero;
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
    public async Task A_host_stopped_with_SIGTERM_lets_hung_sends_end_at_their_attempt_timeout_and_leaves_no_lease_behind()
    {
        _graph.Latency = TimeSpan.FromSeconds(30); // sends hang: the drain cannot finish them
        var settings = Settings();
        settings["Pipeline:Pipelines:LeaseDuration"] = "00:05:00"; // far beyond the test: only a settled attempt frees them
        settings["Pipeline:Pipelines:DrainTimeout"] = "00:00:01";
        // A send under way is not cut by the drain (WhatsApp may have it already): it ends at its attempt timeout, is
        // recorded as a failed attempt and scheduled for a retry, which the next host makes.
        settings["Pipeline:WhatsApp:AttemptTimeout"] = "00:00:03";
        var first = await HostProcess.StartAsync(settings, _workingDirectory);
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
        Assert.True(await Eventually.HoldsAsync(() => _graph.Requests >= 5, TimeSpan.FromSeconds(30)), "the tickets are in flight");

        var stoppedIn = await first.TerminateAsync(TimeSpan.FromSeconds(20));
        _graph.Latency = TimeSpan.Zero;
        await using var second = await HostProcess.StartAsync(settings, _workingDirectory);
        using var reader = second.CreateClient();

        Assert.True(stoppedIn < TimeSpan.FromSeconds(10), $"the stop is bounded by the drain and one attempt timeout (took {stoppedIn})");
        foreach (var (eventId, registrationId) in paid)
        {
            Assert.Equal("sent", await TicketStatusWhenSettledAsync(reader, eventId, registrationId));
        }
        Assert.Equal(5, _graph.Messages.Count);
    }

    private Dictionary<string, string> Settings() => new()
    {
        ["Pipeline:Storage:Provider"] = database.Provider,
        ["Pipeline:Storage:ConnectionString"] = database.ConnectionString,
        ["Pipeline:Admin:ApiKey"] = AdminKey,
        ["Pipeline:Razorpay:KeySecret"] = PipelineApp.RazorpayKeySecret,
        ["Pipeline:Razorpay:WebhookSecret"] = PipelineApp.RazorpayWebhookSecret,
        ["Pipeline:Tickets:SigningKey"] = PipelineApp.TicketSigningKey,
        ["Pipeline:RateLimits:Enabled"] = "false",
        ["Pipeline:WhatsApp:BaseUrl"] = _graph.BaseUrl,
        ["Pipeline:WhatsApp:PhoneNumberId"] = FakeGraphApi.PhoneNumberId,
        ["Pipeline:WhatsApp:AccessToken"] = FakeGraphApi.AccessToken,
        ["Pipeline:WhatsApp:AttemptTimeout"] = "00:01:00",
        ["Pipeline:Pipelines:LeaseDuration"] = "00:00:03",
        ["Pipeline:Pipelines:PollInterval"] = "00:00:00.1",
        ["Pipeline:Pipelines:whatsapp:Parallelism"] = "32",
        ["Pipeline:Pipelines:tickets:Parallelism"] = "4",
    };

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
