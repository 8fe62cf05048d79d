using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Streams.WhatsApp;
using Pipeline.Tests.Operations;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Configuration;

/// <summary>
/// No silent sandbox: outside Development a host without a WhatsApp token refuses to start unless it is told
/// <c>Mode=Sandbox</c>, and a sandboxed host says so (a start-up warning, a log line per message, and <c>mode</c> in
/// <c>GET /api/admin/pipelines</c>). Start-up does not touch storage differently per engine, so SQLite only.
/// </summary>
public sealed class WhatsAppModeStartupTests : IAsyncLifetime
{
    private const string Phone = "+919812340001";

    private readonly SqliteTestDatabase _database = new();
    private readonly LogCapture _logs = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Outside_development_a_missing_access_token_fails_start_up_naming_the_key()
    {
        // Not set at all (HostProcess adds no mode of its own when the test names the token key).
        var message = await StartupFailureAsync(new Dictionary<string, string> { ["Pipeline:WhatsApp:PhoneNumberId"] = "1234567890" }, withoutToken: true);

        Assert.Contains("Pipeline:WhatsApp:AccessToken is required in Live mode", message, StringComparison.Ordinal);
        Assert.Contains("Pipeline:WhatsApp:Mode to Sandbox", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_process_with_an_empty_access_token_exits_at_start_up_with_the_message()
    {
        var directory = Directory.CreateTempSubdirectory("pipeline-whatsapp-mode-");
        try
        {
            // An empty variable, as a deployment whose secret did not expand would set it: the same as none.
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => HostProcess.StartAsync(new Dictionary<string, string>
            {
                ["Pipeline:Storage:Provider"] = _database.Provider,
                ["Pipeline:Storage:ConnectionString"] = _database.ConnectionString,
                ["Pipeline:Admin:ApiKey"] = PipelineApp.AdminKey,
                ["Pipeline:Razorpay:KeySecret"] = PipelineApp.RazorpayKeySecret,
                ["Pipeline:Razorpay:WebhookSecret"] = PipelineApp.RazorpayWebhookSecret,
                ["Pipeline:Tickets:SigningKey"] = PipelineApp.TicketSigningKey,
                ["Pipeline:WhatsApp:PhoneNumberId"] = "1234567890",
                [PipelineApp.WhatsAppTokenKey] = "",
            }, directory.FullName));

            Assert.Contains("exited with code", error.Message, StringComparison.Ordinal);
            Assert.Contains("Pipeline:WhatsApp:AccessToken is required in Live mode", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Live_mode_without_a_phone_number_id_fails_start_up_naming_the_key()
    {
        var message = await StartupFailureAsync(new Dictionary<string, string>
        {
            [PipelineApp.WhatsAppModeKey] = "Live",
            [PipelineApp.WhatsAppTokenKey] = "EAAG-some-token",
        });

        Assert.Contains("Pipeline:WhatsApp:PhoneNumberId is required in Live mode", message, StringComparison.Ordinal);
        Assert.DoesNotContain("AccessToken", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sandbox_mode_outside_development_starts_warns_logs_each_message_and_shows_sandbox()
    {
        await using var host = new PipelineApp(_database, new Dictionary<string, string?>
        {
            [PipelineApp.WhatsAppModeKey] = "Sandbox",
            ["Logging:LogLevel:Pipeline.Streams.WhatsApp"] = "Information",
        }, environment: "Production");
        await using var app = WithLogs(host);

        var pipelines = await PipelinesAsync(app);
        Assert.Equal("sandbox", pipelines["whatsapp"].GetProperty("mode").GetString());
        Assert.False(pipelines["tickets"].TryGetProperty("mode", out _));
        Assert.False(pipelines["webhooks"].TryGetProperty("mode", out _));
        var warning = Assert.Single(_logs.Entries, e => e.Level == LogLevel.Warning && e.Message.StartsWith("WhatsApp is in Sandbox mode", StringComparison.Ordinal));
        Assert.Contains("Pipeline:WhatsApp:Mode is Sandbox", warning.Message, StringComparison.Ordinal);
        Assert.Contains("only recorded locally, never sent", warning.Message, StringComparison.Ordinal);

        var sandbox = app.Services.GetRequiredService<SandboxWhatsAppSender>();
        var registrationId = await PayAndWaitForTicketAsync(app);

        var message = Assert.Single(sandbox.Messages);
        Assert.Equal(Phone, message.To);
        Assert.Equal($"ticket-{registrationId}.pdf", message.Filename);
        var sent = Assert.Single(_logs.Entries, e => e.Category == typeof(SandboxWhatsAppSender).FullName);
        Assert.Contains("NOT sent, only recorded locally", sent.Message, StringComparison.Ordinal);
        Assert.Contains(message.MessageId, sent.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Development_without_an_access_token_is_sandbox_and_says_why()
    {
        await using var host = new PipelineApp(_database, new Dictionary<string, string?> { [PipelineApp.WhatsAppTokenKey] = null }, environment: "Development");
        await using var app = WithLogs(host);

        var pipelines = await PipelinesAsync(app);

        Assert.Equal("sandbox", pipelines["whatsapp"].GetProperty("mode").GetString());
        var warning = Assert.Single(_logs.Entries, e => e.Level == LogLevel.Warning && e.Message.StartsWith("WhatsApp is in Sandbox mode", StringComparison.Ordinal));
        Assert.Contains("the Development environment has no Pipeline:WhatsApp:AccessToken", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Live_mode_with_an_account_starts_shows_live_and_warns_of_nothing()
    {
        await using var host = new PipelineApp(_database, new Dictionary<string, string?>
        {
            [PipelineApp.WhatsAppTokenKey] = "EAAG-some-token",
            ["Pipeline:WhatsApp:PhoneNumberId"] = "1234567890",
        }, environment: "Production");
        await using var app = WithLogs(host);

        var pipelines = await PipelinesAsync(app);

        Assert.Equal("live", pipelines["whatsapp"].GetProperty("mode").GetString());
        Assert.DoesNotContain(_logs.Entries, e => e.Message.Contains("Sandbox", StringComparison.Ordinal));
    }

    private WebApplicationFactory<Program> WithLogs(PipelineApp app) =>
        app.WithWebHostBuilder(builder => builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(_logs)));

    /// <summary>What start-up failed with, inner exceptions included (the host may wrap the validation failure).</summary>
    /// <summary>
    /// Starts a real host process outside Development with these settings and returns what it wrote before exiting. A
    /// process, not an in-memory host: a test host that fails to start can surface as an ObjectDisposedException
    /// instead of its own error when the machine is busy, and then the message under test is lost.
    /// </summary>
    private async Task<string> StartupFailureAsync(Dictionary<string, string> settings, bool withoutToken = false)
    {
        var directory = Directory.CreateTempSubdirectory("pipeline-whatsapp-mode-");
        try
        {
            var all = new Dictionary<string, string>
            {
                ["Pipeline:Storage:Provider"] = _database.Provider,
                ["Pipeline:Storage:ConnectionString"] = _database.ConnectionString,
                ["Pipeline:Admin:ApiKey"] = PipelineApp.AdminKey,
                ["Pipeline:Razorpay:KeySecret"] = PipelineApp.RazorpayKeySecret,
                ["Pipeline:Razorpay:WebhookSecret"] = PipelineApp.RazorpayWebhookSecret,
                ["Pipeline:Tickets:SigningKey"] = PipelineApp.TicketSigningKey,
            };
            foreach (var (key, value) in settings)
            {
                all[key] = value;
            }
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => HostProcess.StartAsync(all, directory.FullName, withoutToken));
            Assert.Contains("exited with code", error.Message, StringComparison.Ordinal);
            return error.Message;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<Dictionary<string, JsonElement>> PipelinesAsync(WebApplicationFactory<Program> app)
    {
        using var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", PipelineApp.AdminKey);
        var response = await admin.GetAsync("/api/admin/pipelines");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("pipelines").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
    }

    /// <summary>Pays one registration through the API and waits until its ticket is settled; returns the registration id.</summary>
    private static async Task<string> PayAndWaitForTicketAsync(WebApplicationFactory<Program> app)
    {
        var flow = new PaymentScenario(app);
        var eventId = await flow.CreateEventAsync();
        var memberId = await flow.CreateMemberAsync(Phone);
        var (orderId, registrationId) = await flow.PlaceOrderAsync(eventId, memberId);
        Assert.Equal(HttpStatusCode.OK, (await flow.ConfirmAsync(eventId, memberId, orderId, PaymentScenario.NewPaymentId())).StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var registration = await (await flow.Public.GetAsync($"/api/public/events/{eventId}/registrations/{registrationId}")).JsonAsync();
            if (registration.GetProperty("ticket").GetProperty("status").GetString() == "sent")
            {
                return registrationId;
            }
            Assert.True(DateTime.UtcNow < deadline, $"the ticket was never settled: {registration}");
            await Task.Delay(100);
        }
    }
}
