using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Operations.Logging;

/// <summary>
/// Correlation ids and the request log through HTTP: the id is taken when valid, made otherwise, echoed, carried by
/// every log line of the request and by problem details; one line per request with method, route pattern, status and
/// elapsed time (here every one at Information: <c>SampleOneIn=1</c>). Storage plays no part, so SQLite only.
/// </summary>
public sealed partial class RequestLoggingTests(LoggedApp fixture) : IClassFixture<LoggedApp>
{
    private readonly LogCapture _logs = fixture.Logs;
    private readonly WebApplicationFactory<Program> _app = fixture.App;

    [Theory]
    [InlineData("abc-123")]
    [InlineData("A.b_C-9")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123")] // 64 characters
    public async Task A_valid_correlation_id_is_echoed_and_carried_by_every_log_line_of_the_request(string id)
    {
        var response = await SendAsync("/api/events/evt_missing", id);

        Assert.Equal(id, Assert.Single(response.Headers.GetValues("X-Correlation-Id")));
        var problem = await response.JsonAsync();
        Assert.Equal(id, problem.GetProperty("correlationId").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("traceId").GetString()));

        var lines = _logs.Entries.Where(e => Equals(e.Scopes.GetValueOrDefault("CorrelationId"), id)).ToList();
        var request = Assert.Single(lines, e => e.Category.EndsWith("RequestTelemetryMiddleware", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, request.Level);
        Assert.Equal("GET", request.State["Method"]);
        Assert.Equal("/api/events/{eventId}", request.State["Route"]);
        Assert.Equal(404, request.State["StatusCode"]);
        Assert.IsType<double>(request.State["ElapsedMs"]);
        // The framework's own lines inside the request (routing, endpoint execution) carry the id too.
        Assert.Contains(lines, e => e.Category.StartsWith("Microsoft.AspNetCore.Routing", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    [InlineData("névé")]
    [InlineData("01234567890123456789012345678901234567890123456789012345678901234")] // 65 characters
    public async Task An_invalid_correlation_id_is_replaced_by_a_new_one(string presented)
    {
        var response = await SendAsync("/api/events", presented);

        var id = Assert.Single(response.Headers.GetValues("X-Correlation-Id"));
        Assert.NotEqual(presented, id);
        Assert.Matches(ValidId(), id);
        Assert.Single(_logs.Entries, e => Equals(e.Scopes.GetValueOrDefault("CorrelationId"), id)
            && e.Category.EndsWith("RequestTelemetryMiddleware", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_correlation_id_each_request_gets_its_own()
    {
        var first = Assert.Single((await SendAsync("/api/events", null)).Headers.GetValues("X-Correlation-Id"));
        var second = Assert.Single((await SendAsync("/api/events", null)).Headers.GetValues("X-Correlation-Id"));

        Assert.Matches(ValidId(), first);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Unmatched_paths_log_the_route_unmatched_never_the_raw_path()
    {
        var response = await SendAsync("/api/secret-looking/path", "probe-1");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var line = Assert.Single(_logs.Entries, e => Equals(e.Scopes.GetValueOrDefault("CorrelationId"), "probe-1")
            && e.Category.EndsWith("RequestTelemetryMiddleware", StringComparison.Ordinal));
        Assert.Equal("unmatched", line.State["Route"]);
        Assert.Equal("probe-1", (await response.JsonAsync()).GetProperty("correlationId").GetString());
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string? correlationId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (correlationId is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Correlation-Id", correlationId);
        }
        var response = await _app.CreateClient().SendAsync(request);
        // The request line is written as the request completes on the server, which may be just after the response.
        var id = response.Headers.GetValues("X-Correlation-Id").Single();
        await Eventually.HoldsAsync(() => _logs.Entries.Any(e => Equals(e.Scopes.GetValueOrDefault("CorrelationId"), id)
            && e.Category.EndsWith("RequestTelemetryMiddleware", StringComparison.Ordinal)), TimeSpan.FromSeconds(5));
        return response;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex ValidId();
}

/// <summary>One host for the class whose log lines are captured; tests tell their lines apart by correlation id.</summary>
public sealed class LoggedApp : IAsyncLifetime
{
    private readonly SqliteTestDatabase _database = new();
    private PipelineApp _base = null!;

    public LogCapture Logs { get; } = new();

    public WebApplicationFactory<Program> App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _base = new PipelineApp(_database, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Pipeline.Host.Operations"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore.Routing"] = "Debug",
            ["Pipeline:RequestLog:SampleOneIn"] = "1", // every request at Information: these tests read each one's line
        });
        App = _base.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(Logs)));
        _ = App.Server;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await _base.DisposeAsync();
        await _database.DisposeAsync();
    }
}

/// <summary>A real host process with <c>Logging:Console:FormatterName=json</c>: one JSON object a line, with the id.</summary>
public sealed class JsonConsoleLogTests : IAsyncLifetime
{
    private readonly SqliteTestDatabase _database = new();
    private readonly string _workingDirectory = Path.Combine(Path.GetTempPath(), "pipeline-tests", "json-log-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_workingDirectory);
        return _database.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        try { Directory.Delete(_workingDirectory, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Json_console_lines_carry_the_correlation_id_and_the_request_fields()
    {
        await using var host = await HostProcess.StartAsync(HostSettings.For(_database, PipelineApp.AdminKey, new Dictionary<string, string>
        {
            ["Logging:Console:FormatterName"] = "json",
            ["Logging:LogLevel:Pipeline.Host.Operations"] = "Information",
            ["Pipeline:RequestLog:SampleOneIn"] = "1",
        }), _workingDirectory);
        using var client = host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events?limit=5");
        request.Headers.Add("X-Correlation-Id", "json-log-check-1");

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);

        JsonElement? line = null;
        Assert.True(await Eventually.HoldsAsync(() => (line = Find(host.Output)) is not null, TimeSpan.FromSeconds(10)),
            "the request line should reach standard output: " + string.Join('\n', host.Output.Take(20)));
        var entry = line!.Value;
        Assert.Equal("Information", entry.GetProperty("LogLevel").GetString());
        var state = entry.GetProperty("State");
        Assert.Equal("GET", state.GetProperty("Method").GetString());
        Assert.Equal("/api/events", state.GetProperty("Route").GetString());
        Assert.Equal(200, state.GetProperty("StatusCode").GetInt32());
        Assert.True(state.GetProperty("ElapsedMs").GetDouble() >= 0);
    }

    /// <summary>Every line of the output must be JSON; the request line is the one whose scopes name the id.</summary>
    private static JsonElement? Find(IEnumerable<string> output)
    {
        foreach (var text in output)
        {
            var element = JsonDocument.Parse(text).RootElement;
            if (element.TryGetProperty("Scopes", out var scopes)
                && scopes.EnumerateArray().Any(s => s.TryGetProperty("CorrelationId", out var id) && id.GetString() == "json-log-check-1")
                && element.GetProperty("Category").GetString()!.EndsWith("RequestTelemetryMiddleware", StringComparison.Ordinal))
            {
                return element.Clone();
            }
        }
        return null;
    }
}
