using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Actors.Persistence;
using Pipeline.Actors.Work;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Operations.Health;

public sealed class SqliteHealthTests(HealthApp<SqliteTestDatabase> fixture) : HealthContract<SqliteTestDatabase>(fixture);

public sealed class PostgresHealthTests(HealthApp<PostgresTestDatabase> fixture) : HealthContract<PostgresTestDatabase>(fixture);

/// <summary>What a test breaks in the host's real storage: the ping (down or hanging), or claims of the tickets queue.</summary>
public sealed class StorageFaults
{
    public enum PingFault { None, Down, Hangs }

    public volatile PingFault Ping;

    public volatile bool TicketClaimsFail;
}

/// <summary>
/// One host on the test database whose storage is wrapped so that tests can make one call fail (everything else
/// works): readiness must notice, liveness must not. Pipelines restart quickly here, so a test can heal what it broke.
/// </summary>
public sealed class HealthApp<TDatabase> : IAsyncLifetime where TDatabase : TestDatabase, new()
{
    private readonly TDatabase _database = new();
    private PipelineApp _base = null!;

    public StorageFaults Faults { get; } = new();

    public WebApplicationFactory<Program> App { get; private set; } = null!;

    public string Provider => _database.Provider;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _base = new PipelineApp(_database, new Dictionary<string, string?>
        {
            ["Pipeline:Pipelines:MinRestartBackoff"] = "00:00:01",
            ["Pipeline:Pipelines:MaxRestartBackoff"] = "00:00:01",
        });
        App = _base.WithWebHostBuilder(b => b.ConfigureTestServices(services =>
        {
            var registration = services.Last(d => d.ServiceType == typeof(IStorage));
            var factory = registration.ImplementationFactory!;
            services.Remove(registration);
            services.AddSingleton(sp => Wrap((IStorage)factory(sp)));
        }));
        _ = App.Server;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await _base.DisposeAsync();
        await _database.DisposeAsync();
    }

    private IStorage Wrap(IStorage storage)
    {
        var work = Forwarding<IWorkQueue>.Create(storage.Work, (method, args) =>
            Faults.TicketClaimsFail && method.Name == nameof(IWorkQueue.ClaimAsync) && (string)args![0]! == OutboxRoutes.Tickets
                ? (true, Task.FromException<IReadOnlyList<WorkItem>>(new InvalidOperationException("claims are broken")))
                : (false, null));
        return Forwarding<IStorage>.Create(storage, (method, args) => method.Name switch
        {
            "get_" + nameof(IStorage.Work) => (true, work),
            nameof(IStorage.PingAsync) when Faults.Ping == StorageFaults.PingFault.Down => (true, Task.FromResult(false)),
            nameof(IStorage.PingAsync) when Faults.Ping == StorageFaults.PingFault.Hangs => (true, HangAsync((CancellationToken)args![0]!)),
            _ => (false, null),
        });
    }

    private static async Task<bool> HangAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return true;
    }
}

/// <summary>
/// Liveness and readiness through HTTP on each storage: a JSON body naming each check, 200 when ready and 503 when
/// storage does not answer or a pipeline is not running.
/// </summary>
public abstract class HealthContract<TDatabase>(HealthApp<TDatabase> fixture) : IClassFixture<HealthApp<TDatabase>>
    where TDatabase : TestDatabase, new()
{
    private static readonly string[] ReadyChecks = ["storage", "pipeline:tickets", "pipeline:whatsapp", "pipeline:webhooks", "pipeline:jobs"];

    private readonly HttpClient _client = fixture.App.CreateClient();

    [Fact]
    public async Task Live_runs_no_check_and_is_200()
    {
        var response = await _client.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.JsonAsync();
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Empty(body.GetProperty("checks").EnumerateObject());
    }

    [Fact]
    public async Task Ready_is_200_and_names_storage_and_every_pipeline()
    {
        var response = await ReadyWhenAsync(HttpStatusCode.OK);

        var body = await response.JsonAsync();
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        var checks = body.GetProperty("checks");
        Assert.Equal(ReadyChecks.Order(), checks.EnumerateObject().Select(c => c.Name).Order());
        Assert.All(ReadyChecks, name =>
        {
            Assert.Equal("Healthy", checks.GetProperty(name).GetProperty("status").GetString());
            Assert.False(string.IsNullOrEmpty(checks.GetProperty(name).GetProperty("description").GetString()));
        });
        Assert.Contains(fixture.Provider, checks.GetProperty("storage").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("Running.", checks.GetProperty("pipeline:tickets").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Ready_is_503_when_storage_does_not_answer_and_live_stays_200()
    {
        fixture.Faults.Ping = StorageFaults.PingFault.Down;
        try
        {
            var ready = await _client.GetAsync("/health/ready");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var body = await ready.JsonAsync();
            Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
            Assert.Equal("Unhealthy", body.GetProperty("checks").GetProperty("storage").GetProperty("status").GetString());
            Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health/live")).StatusCode);
        }
        finally
        {
            fixture.Faults.Ping = StorageFaults.PingFault.None;
        }
        await ReadyWhenAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Ready_is_503_when_the_storage_ping_hangs_past_its_timeout()
    {
        fixture.Faults.Ping = StorageFaults.PingFault.Hangs;
        try
        {
            var ready = await _client.GetAsync("/health/ready");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var storage = (await ready.JsonAsync()).GetProperty("checks").GetProperty("storage");
            Assert.Equal("Unhealthy", storage.GetProperty("status").GetString());
            Assert.Contains("did not answer", storage.GetProperty("description").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            fixture.Faults.Ping = StorageFaults.PingFault.None;
        }
    }

    [Fact]
    public async Task Ready_is_503_while_a_pipeline_fails_and_backs_off_and_200_once_it_runs_again()
    {
        // Claims of the tickets queue fail: the graph throws, and its supervisor waits before the next run.
        fixture.Faults.TicketClaimsFail = true;
        HttpResponseMessage ready;
        try
        {
            ready = await ReadyWhenAsync(HttpStatusCode.ServiceUnavailable);
        }
        finally
        {
            fixture.Faults.TicketClaimsFail = false;
        }

        var text = await ready.Content.ReadAsStringAsync();
        var checks = (await ready.JsonAsync()).GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("storage").GetProperty("status").GetString());
        var tickets = checks.GetProperty("pipeline:tickets");
        Assert.Equal("Unhealthy", tickets.GetProperty("status").GetString());
        Assert.Contains("InvalidOperationException", tickets.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("claims are broken", text, StringComparison.Ordinal); // exception types, never messages

        var healed = await ReadyWhenAsync(HttpStatusCode.OK);
        Assert.Equal("Running.", (await healed.JsonAsync()).GetProperty("checks").GetProperty("pipeline:tickets").GetProperty("description").GetString());
    }

    private async Task<HttpResponseMessage> ReadyWhenAsync(HttpStatusCode status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var response = await _client.GetAsync("/health/ready");
            if (response.StatusCode == status)
            {
                return response;
            }
            Assert.True(DateTime.UtcNow < deadline, $"/health/ready should become {(int)status}; last: {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(100);
        }
    }
}
