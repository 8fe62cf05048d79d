using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Actors.Persistence;
using Pipeline.Actors.Work;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Operations.Health;

public sealed class SqliteHealthTests(AppFixture<SqliteTestDatabase> fixture) : HealthContract<SqliteTestDatabase>(fixture);

public sealed class PostgresHealthTests(AppFixture<PostgresTestDatabase> fixture) : HealthContract<PostgresTestDatabase>(fixture);

/// <summary>
/// Liveness and readiness through HTTP on each storage: a JSON body naming each check, 200 when ready and 503 when
/// storage does not answer or a pipeline is not running. Failures are made by wrapping the real storage so that one
/// call (the ping, a claim) fails and everything else works.
/// </summary>
public abstract class HealthContract<TDatabase>(AppFixture<TDatabase> fixture) : IClassFixture<AppFixture<TDatabase>>
    where TDatabase : TestDatabase, new()
{
    private static readonly string[] ReadyChecks = ["storage", "pipeline:tickets", "pipeline:whatsapp", "pipeline:webhooks"];

    [Fact]
    public async Task Live_runs_no_check_and_is_200()
    {
        var response = await fixture.App.CreateClient().GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.JsonAsync();
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Empty(body.GetProperty("checks").EnumerateObject());
    }

    [Fact]
    public async Task Ready_is_200_and_names_storage_and_every_pipeline()
    {
        var client = fixture.App.CreateClient();
        HttpResponseMessage response = null!;
        // The pipelines start with the host; give the supervisor its first run.
        Assert.True(await EventuallyAsync(async () => (response = await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK));

        var body = await response.JsonAsync();
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        var checks = body.GetProperty("checks");
        Assert.Equal(ReadyChecks.Order(), checks.EnumerateObject().Select(c => c.Name).Order());
        Assert.All(ReadyChecks, name =>
        {
            Assert.Equal("Healthy", checks.GetProperty(name).GetProperty("status").GetString());
            Assert.False(string.IsNullOrEmpty(checks.GetProperty(name).GetProperty("description").GetString()));
        });
        Assert.Contains(fixture.Database.Provider, checks.GetProperty("storage").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("Running.", checks.GetProperty("pipeline:tickets").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Ready_is_503_when_storage_does_not_answer_and_live_stays_200()
    {
        await using var app = WithStorage(storage => Forwarding<IStorage>.Create(storage, (method, _) =>
            method.Name == nameof(IStorage.PingAsync) ? (true, Task.FromResult(false)) : (false, null)));
        var client = app.CreateClient();

        var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = await ready.JsonAsync();
        Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
        Assert.Equal("Unhealthy", body.GetProperty("checks").GetProperty("storage").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Ready_is_503_when_the_storage_ping_hangs_past_its_timeout()
    {
        await using var app = WithStorage(storage => Forwarding<IStorage>.Create(storage, (method, args) =>
            method.Name == nameof(IStorage.PingAsync)
                ? (true, HangAsync((CancellationToken)args![0]!))
                : (false, null)));

        var ready = await app.CreateClient().GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var storage = (await ready.JsonAsync()).GetProperty("checks").GetProperty("storage");
        Assert.Equal("Unhealthy", storage.GetProperty("status").GetString());
        Assert.Contains("did not answer", storage.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ready_is_503_while_a_pipeline_fails_and_backs_off()
    {
        // Claims of the tickets queue fail: the graph throws, and its supervisor waits before the next run.
        await using var app = WithStorage(storage => Forwarding<IStorage>.Create(storage, (method, _) =>
            method.Name == "get_" + nameof(IStorage.Work)
                ? (true, Forwarding<IWorkQueue>.Create(storage.Work, (m, args) =>
                    m.Name == nameof(IWorkQueue.ClaimAsync) && (string)args![0]! == OutboxRoutes.Tickets
                        ? (true, Task.FromException<IReadOnlyList<WorkItem>>(new InvalidOperationException("claims are broken")))
                        : (false, null)))
                : (false, null)),
            ("Pipeline:Pipelines:MinRestartBackoff", "00:00:30"), ("Pipeline:Pipelines:MaxRestartBackoff", "00:00:30"));
        var client = app.CreateClient();

        HttpResponseMessage ready = null!;
        Assert.True(await EventuallyAsync(async () => (ready = await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable));

        var checks = (await ready.JsonAsync()).GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("storage").GetProperty("status").GetString());
        var tickets = checks.GetProperty("pipeline:tickets");
        Assert.Equal("Unhealthy", tickets.GetProperty("status").GetString());
        Assert.Contains("InvalidOperationException", tickets.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("claims are broken", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private WebApplicationFactory<Program> WithStorage(Func<IStorage, IStorage> wrap, params (string Key, string Value)[] settings)
    {
        var baseApp = new PipelineApp(fixture.Database, settings.ToDictionary(s => s.Key, s => (string?)s.Value));
        return baseApp.WithWebHostBuilder(b => b.ConfigureTestServices(services =>
        {
            var registration = services.Last(d => d.ServiceType == typeof(IStorage));
            var factory = registration.ImplementationFactory!;
            services.Remove(registration);
            services.AddSingleton(sp => wrap((IStorage)factory(sp)));
        }));
    }

    private static async Task<bool> HangAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return true;
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(100);
        }
        return true;
    }
}
