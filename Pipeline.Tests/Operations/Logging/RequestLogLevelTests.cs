using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Operations.Logging;

/// <summary>
/// The request line's level says whether an operator needs it (<c>Pipeline:RequestLog</c>): by default an ordinary
/// request is at Debug and one in <c>SampleOneIn</c> at Information; a request slower than <c>SlowAfter</c> is at
/// Warning. Every line is captured here (the category at Trace) so the test sees the levels themselves.
/// </summary>
public sealed class RequestLogLevelTests
{
    [Fact]
    public async Task Ordinary_requests_are_written_at_debug_and_one_in_sample_size_at_information()
    {
        await using var app = await LoggedHost.StartAsync(new()
        {
            ["Pipeline:RequestLog:SampleOneIn"] = "3",
        });

        for (var i = 0; i < 6; i++)
        {
            await app.GetAsync($"level-sample-{i}");
        }

        var levels = Enumerable.Range(0, 6).Select(i => app.RequestLine($"level-sample-{i}").Level).ToList();
        Assert.Equal(2, levels.Count(l => l == LogLevel.Information));
        Assert.Equal(4, levels.Count(l => l == LogLevel.Debug));
    }

    [Fact]
    public async Task A_request_slower_than_slow_after_is_written_at_warning()
    {
        await using var app = await LoggedHost.StartAsync(new()
        {
            ["Pipeline:RequestLog:SlowAfter"] = "00:00:00",
            ["Pipeline:RequestLog:SampleOneIn"] = "0",
        });

        await app.GetAsync("level-slow-1");

        var line = app.RequestLine("level-slow-1");
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Equal("/api/events/{eventId}", line.State["Route"]);
    }

    [Fact]
    public async Task With_sampling_off_and_quick_requests_nothing_reaches_information()
    {
        await using var app = await LoggedHost.StartAsync(new()
        {
            ["Pipeline:RequestLog:SampleOneIn"] = "0",
        });

        for (var i = 0; i < 3; i++)
        {
            await app.GetAsync($"level-quiet-{i}");
        }

        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(LogLevel.Debug, app.RequestLine($"level-quiet-{i}").Level));
    }

    [Theory]
    [InlineData("Pipeline:RequestLog:SampleOneIn", "-1")]
    [InlineData("Pipeline:RequestLog:SlowAfter", "-00:00:01")]
    public async Task A_negative_setting_stops_start_up_naming_the_key(string key, string value)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var app = await LoggedHost.StartAsync(new() { [key] = value });
        });
        Assert.Contains(key.Split(':')[^1], error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A host on its own SQLite database whose request lines are captured at every level.</summary>
    private sealed class LoggedHost : IAsyncDisposable
    {
        private readonly SqliteTestDatabase _database = new();
        private readonly LogCapture _logs = new();
        private PipelineApp _base = null!;
        private WebApplicationFactory<Program> _app = null!;

        public static async Task<LoggedHost> StartAsync(Dictionary<string, string?> settings)
        {
            var host = new LoggedHost();
            await host._database.InitializeAsync();
            settings["Logging:LogLevel:Pipeline.Host.Operations.Logging"] = "Trace";
            host._base = new PipelineApp(host._database, settings);
            host._app = host._base.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(host._logs)));
            try
            {
                _ = host._app.Server;
            }
            catch
            {
                await host.DisposeAsync();
                throw;
            }
            return host;
        }

        /// <summary>A quick request (an unknown event: 404) carrying <paramref name="correlationId"/>; returns once its line is written.</summary>
        public async Task GetAsync(string correlationId)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events/evt_missing");
            request.Headers.Add("X-Correlation-Id", correlationId);
            using var response = await _app.CreateClient().SendAsync(request);
            Assert.True(await Eventually.HoldsAsync(() => Find(correlationId) is not null, TimeSpan.FromSeconds(5)));
        }

        public CapturedLog RequestLine(string correlationId) => Find(correlationId) ?? throw new InvalidOperationException("no line for " + correlationId);

        private CapturedLog? Find(string correlationId) => _logs.Entries.SingleOrDefault(e =>
            Equals(e.Scopes.GetValueOrDefault("CorrelationId"), correlationId)
            && e.Category.EndsWith("RequestTelemetryMiddleware", StringComparison.Ordinal));

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
            if (_base is not null)
            {
                await _base.DisposeAsync();
            }
            await _database.DisposeAsync();
        }
    }
}
