using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Host.Pipelines;
using Pipeline.Streams.Pipelines;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Api.Pipelines;

public sealed class SqlitePipelineAdminApiTests(AppFixture<SqliteTestDatabase> fixture) : PipelineAdminApiContract<SqliteTestDatabase>(fixture);

public sealed class PostgresPipelineAdminApiTests(AppFixture<PostgresTestDatabase> fixture) : PipelineAdminApiContract<PostgresTestDatabase>(fixture);

/// <summary>
/// <c>/api/admin/pipelines</c> on each storage: the three pipelines with settings and state, live changes through
/// <c>PUT</c>, and refused changes that leave the running values alone. Tests that change a pipeline put it back.
/// </summary>
public abstract class PipelineAdminApiContract<TDatabase>(AppFixture<TDatabase> fixture) : IClassFixture<AppFixture<TDatabase>>
    where TDatabase : TestDatabase, new()
{
    private readonly PipelineApp _app = fixture.App;
    private readonly HttpClient _admin = fixture.App.CreateAdminClient();

    private PipelineRegistry Registry => _app.Services.GetRequiredService<PipelineRegistry>();

    [Fact]
    public async Task Lists_the_three_pipelines_with_their_settings_and_state()
    {
        var response = await _admin.GetAsync("/api/admin/pipelines");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var pipelines = (await response.JsonAsync()).GetProperty("pipelines").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal(["tickets", "webhooks", "whatsapp"], pipelines.Keys.Order());
        foreach (var pipeline in pipelines.Values)
        {
            Assert.True(pipeline.GetProperty("ratePerSecond").GetDouble() > 0);
            Assert.True(pipeline.GetProperty("parallelism").GetInt32() >= 1);
            Assert.True(pipeline.GetProperty("bufferSize").GetInt32() >= 1);
            Assert.Equal(JsonValueKind.False, pipeline.GetProperty("paused").ValueKind);
            Assert.True(pipeline.GetProperty("queueDepth").GetInt64() >= 0);
            Assert.True(pipeline.GetProperty("inFlight").GetInt64() >= 0);
            Assert.True(pipeline.GetProperty("processed").GetInt64() >= 0);
            Assert.True(pipeline.GetProperty("failed").GetInt64() >= 0);
            Assert.True(pipeline.TryGetProperty("circuitState", out _));
        }
        var defaults = PipelineRegistry.Defaults(PipelineNames.WhatsApp);
        Assert.Equal(defaults.RatePerSecond, pipelines["whatsapp"].GetProperty("ratePerSecond").GetDouble());
        Assert.Equal("closed", pipelines["whatsapp"].GetProperty("circuitState").GetString());
        Assert.Equal(JsonValueKind.Null, pipelines["tickets"].GetProperty("circuitState").ValueKind);
        Assert.Equal("running", pipelines["tickets"].GetProperty("supervisor").GetProperty("state").GetString());
        Assert.Equal(0, pipelines["tickets"].GetProperty("supervisor").GetProperty("restarts").GetInt32());
        Assert.True(pipelines["webhooks"].GetProperty("queue").GetProperty("dead").GetInt64() >= 0);
    }

    [Fact]
    public async Task Gets_one_pipeline_and_404s_any_other_name()
    {
        var tickets = await _admin.GetAsync("/api/admin/pipelines/tickets");
        var unknown = await _admin.GetAsync("/api/admin/pipelines/sms");

        Assert.Equal(HttpStatusCode.OK, tickets.StatusCode);
        Assert.Equal("tickets", (await tickets.JsonAsync()).GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("pipeline_not_found", (await unknown.JsonAsync()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PutAsJsonAsync("/api/admin/pipelines/sms", new { paused = true })).StatusCode);
    }

    [Fact]
    public async Task Every_pipeline_endpoint_needs_the_admin_key()
    {
        var anonymous = _app.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/pipelines")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/pipelines/tickets")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PutAsJsonAsync("/api/admin/pipelines/tickets", new { paused = true })).StatusCode);
        Assert.False(Registry[PipelineNames.Tickets].Settings.Current.Paused);
    }

    [Fact]
    public async Task Put_applies_any_subset_of_the_settings_live()
    {
        var before = Registry[PipelineNames.WhatsApp].Settings.Current;
        try
        {
            var response = await _admin.PutAsJsonAsync("/api/admin/pipelines/whatsapp", new { ratePerSecond = 12.5, parallelism = 3 });

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.JsonAsync();
            Assert.Equal(12.5, body.GetProperty("ratePerSecond").GetDouble());
            Assert.Equal(3, body.GetProperty("parallelism").GetInt32());
            Assert.Equal(before.BufferSize, body.GetProperty("bufferSize").GetInt32());
            Assert.Equal(before with { RatePerSecond = 12.5, Parallelism = 3 }, Registry[PipelineNames.WhatsApp].Settings.Current);
            var read = await (await _admin.GetAsync("/api/admin/pipelines/whatsapp")).JsonAsync();
            Assert.Equal(12.5, read.GetProperty("ratePerSecond").GetDouble());
        }
        finally
        {
            Registry[PipelineNames.WhatsApp].Settings.Update(before);
        }
    }

    [Fact]
    public async Task Invalid_values_are_refused_field_by_field_and_the_running_values_stay()
    {
        var before = Registry[PipelineNames.Tickets].Settings.Current;

        var response = await _admin.PutAsync("/api/admin/pipelines/tickets", JsonContent.Create(new Dictionary<string, object>
        {
            ["ratePerSecond"] = 0,
            ["parallelism"] = 5000,
            ["bufferSize"] = "big",
            ["paused"] = "yes",
            ["rate"] = 10,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        var errors = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order().ToList();
        Assert.Equal(["bufferSize", "parallelism", "paused", "rate", "ratePerSecond"], errors);
        Assert.Equal(before, Registry[PipelineNames.Tickets].Settings.Current);

        // One bad field spoils the whole request: the good one is not applied either.
        var mixed = await _admin.PutAsJsonAsync("/api/admin/pipelines/tickets", new { parallelism = 7, bufferSize = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, mixed.StatusCode);
        Assert.Equal(before, Registry[PipelineNames.Tickets].Settings.Current);
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PutAsync("/api/admin/pipelines/tickets", new StringContent("{nope"))).StatusCode);
    }

    [Fact]
    public async Task Rendered_tickets_waiting_for_a_paused_whatsapp_are_its_queue_depth()
    {
        var sentBefore = (await (await _admin.GetAsync("/api/admin/pipelines/whatsapp")).JsonAsync()).GetProperty("processed").GetInt64();
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync("/api/admin/pipelines/whatsapp", new { paused = true })).StatusCode);
        try
        {
            var scenario = new PaymentScenario(_app);
            var eventId = await scenario.CreateEventAsync();
            for (var i = 0; i < 4; i++)
            {
                var memberId = await scenario.CreateMemberAsync($"+91987650{i:0000}");
                var (orderId, _) = await scenario.PlaceOrderAsync(eventId, memberId);
                Assert.Equal(HttpStatusCode.OK, (await scenario.ConfirmAsync(eventId, memberId, orderId, PaymentScenario.NewPaymentId())).StatusCode);
            }

            // One rendered ticket sits at the paused gate and one in the channel before it; the rest wait in the buffer.
            await WaitForAsync("whatsapp", p => p.GetProperty("queueDepth").GetInt64() >= 1);
        }
        finally
        {
            await _admin.PutAsJsonAsync("/api/admin/pipelines/whatsapp", new { paused = false });
        }

        var drained = await WaitForAsync("whatsapp", p => p.GetProperty("queueDepth").GetInt64() == 0 && p.GetProperty("processed").GetInt64() >= sentBefore + 4);
        Assert.Equal(0, drained.GetProperty("inFlight").GetInt64());
    }

    [Fact]
    public async Task Pausing_tickets_lets_paid_work_wait_in_the_queue_and_resuming_drains_it()
    {
        var paused = await _admin.PutAsJsonAsync("/api/admin/pipelines/tickets", new { paused = true });
        Assert.True((await paused.JsonAsync()).GetProperty("paused").GetBoolean());
        try
        {
            Assert.True(Registry[PipelineNames.Tickets].Gate.IsPaused);
            var scenario = new PaymentScenario(_app);
            var eventId = await scenario.CreateEventAsync();
            var memberId = await scenario.CreateMemberAsync();
            var (orderId, _) = await scenario.PlaceOrderAsync(eventId, memberId);
            Assert.Equal(HttpStatusCode.OK, (await scenario.ConfirmAsync(eventId, memberId, orderId, PaymentScenario.NewPaymentId())).StatusCode);

            var waiting = await (await _admin.GetAsync("/api/admin/pipelines/tickets")).JsonAsync();
            Assert.True(waiting.GetProperty("queueDepth").GetInt64() >= 1);
        }
        finally
        {
            var resumed = await _admin.PutAsJsonAsync("/api/admin/pipelines/tickets", new { paused = false });
            Assert.False((await resumed.JsonAsync()).GetProperty("paused").GetBoolean());
        }

        Assert.False(Registry[PipelineNames.Tickets].Gate.IsPaused);
        await WaitForAsync("tickets", p => p.GetProperty("queueDepth").GetInt64() == 0);
    }

    private async Task<JsonElement> WaitForAsync(string name, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var pipeline = await (await _admin.GetAsync($"/api/admin/pipelines/{name}")).JsonAsync();
            if (condition(pipeline))
            {
                return pipeline;
            }
            Assert.True(DateTime.UtcNow < deadline, $"{name} never got there: {pipeline}");
            await Task.Delay(100);
        }
    }
}
