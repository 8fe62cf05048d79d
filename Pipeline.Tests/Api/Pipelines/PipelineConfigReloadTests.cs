using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Api.Pipelines;

/// <summary>
/// Pipeline settings in a watched JSON file, as in <c>config/pipeline.json</c>: an edit reaches the running pipelines
/// without a restart, a bad value is logged and changes nothing, and an edit of one key leaves the others (and values
/// set through the API) alone. The storage does not matter here, so SQLite only.
/// </summary>
public sealed class PipelineConfigReloadTests(SqliteTestDatabase database) : IClassFixture<SqliteTestDatabase>, IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly string _file = Path.Combine(Path.GetTempPath(), $"pipeline-config-{Guid.NewGuid():N}.json");
    private readonly CapturingLoggerProvider _logs = new();
    private PipelineApp _host = null!;
    private WebApplicationFactory<Program> _app = null!;
    private HttpClient _admin = null!;

    public Task InitializeAsync()
    {
        Write(new { whatsapp = new { RatePerSecond = 80, Parallelism = 16 }, tickets = new { Parallelism = 2 } });
        _host = new PipelineApp(database, jsonFile: _file);
        _app = _host.WithWebHostBuilder(builder => builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(_logs)));
        _admin = _app.CreateClient();
        _admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", PipelineApp.AdminKey);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _host.DisposeAsync();
        File.Delete(_file);
    }

    [Fact]
    public async Task Settings_in_the_file_apply_on_change_without_a_restart()
    {
        Assert.Equal(80, (await PipelineAsync("whatsapp")).GetProperty("ratePerSecond").GetDouble());

        Write(new { whatsapp = new { RatePerSecond = 25, Parallelism = 4, Paused = true }, tickets = new { Parallelism = 2 } });

        var whatsapp = await WaitForAsync("whatsapp", p => p.GetProperty("ratePerSecond").GetDouble() == 25);
        Assert.Equal(4, whatsapp.GetProperty("parallelism").GetInt32());
        Assert.True(whatsapp.GetProperty("paused").GetBoolean());
    }

    [Fact]
    public async Task An_invalid_value_in_the_file_is_logged_and_the_running_values_stay()
    {
        Write(new { whatsapp = new { RatePerSecond = -5, Parallelism = 4 }, tickets = new { Parallelism = 3 } });
        // Tickets' valid edit arriving proves the reload ran; whatsapp's section, with one bad key, is left whole.
        await WaitForAsync("tickets", p => p.GetProperty("parallelism").GetInt32() == 3);
        var whatsapp = await PipelineAsync("whatsapp");
        Assert.Equal(80, whatsapp.GetProperty("ratePerSecond").GetDouble());
        Assert.Equal(16, whatsapp.GetProperty("parallelism").GetInt32());
        await LoggedAsync("Pipeline:Pipelines:whatsapp:RatePerSecond = -5");

        Write(new { whatsapp = new { RatePerSecond = "fast", Parallelism = 4 }, tickets = new { Parallelism = 4 } });
        await WaitForAsync("tickets", p => p.GetProperty("parallelism").GetInt32() == 4);
        Assert.Equal(80, (await PipelineAsync("whatsapp")).GetProperty("ratePerSecond").GetDouble());
        await LoggedAsync("Pipeline:Pipelines:whatsapp:RatePerSecond = 'fast' is not a number");

        // Once the file is fixed, its change since the last good read applies.
        Write(new { whatsapp = new { RatePerSecond = 40, Parallelism = 4 }, tickets = new { Parallelism = 4 } });
        var fixedUp = await WaitForAsync("whatsapp", p => p.GetProperty("ratePerSecond").GetDouble() == 40);
        Assert.Equal(4, fixedUp.GetProperty("parallelism").GetInt32());
    }

    [Fact]
    public async Task An_edit_applies_only_the_keys_it_changed_so_api_changes_survive_unrelated_edits()
    {
        var put = await _admin.PutAsJsonAsync("/api/admin/pipelines/whatsapp", new { bufferSize = 33, ratePerSecond = 9 });
        Assert.Equal(System.Net.HttpStatusCode.OK, put.StatusCode);

        Write(new { whatsapp = new { RatePerSecond = 80, Parallelism = 16 }, tickets = new { Parallelism = 5 } });
        await WaitForAsync("tickets", p => p.GetProperty("parallelism").GetInt32() == 5);

        var whatsapp = await PipelineAsync("whatsapp");
        Assert.Equal(33, whatsapp.GetProperty("bufferSize").GetInt32());
        Assert.Equal(9, whatsapp.GetProperty("ratePerSecond").GetDouble());
    }

    [Fact]
    public async Task An_invalid_value_at_start_up_stops_the_host_naming_the_key()
    {
        // A real process on a database of its own: an in-memory test host that fails to start can surface as an
        // ObjectDisposedException instead of its own error on a busy machine, losing the message under test.
        var own = new SqliteTestDatabase();
        await own.InitializeAsync();
        var directory = Directory.CreateTempSubdirectory("pipeline-invalid-setting-");
        try
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => HostProcess.StartAsync(new Dictionary<string, string>
            {
                ["Pipeline:Storage:Provider"] = own.Provider,
                ["Pipeline:Storage:ConnectionString"] = own.ConnectionString,
                ["Pipeline:Admin:ApiKey"] = PipelineApp.AdminKey,
                ["Pipeline:Razorpay:KeySecret"] = PipelineApp.RazorpayKeySecret,
                ["Pipeline:Razorpay:WebhookSecret"] = PipelineApp.RazorpayWebhookSecret,
                ["Pipeline:Tickets:SigningKey"] = PipelineApp.TicketSigningKey,
                ["Pipeline:Pipelines:tickets:Parallelism"] = "lots",
            }, directory.FullName));

            Assert.Contains("exited with code", error.Message, StringComparison.Ordinal);
            Assert.Contains("Pipeline:Pipelines:tickets:Parallelism = 'lots' is not a whole number.", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
            await own.DisposeAsync();
        }
    }

    private void Write(object pipelines)
    {
        // Write-then-rename, as editors do, so the watcher never reads half a file.
        var temporary = _file + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(new { Pipeline = new { Pipelines = pipelines } }));
        File.Move(temporary, _file, overwrite: true);
    }

    /// <summary>
    /// One reload applies the pipelines in turn (tickets before whatsapp), so tickets' new value can be served before
    /// whatsapp's error is logged: wait for the line.
    /// </summary>
    private async Task LoggedAsync(string error)
    {
        await Eventually.HoldsAsync(() => _logs.Errors.Any(e => e.Contains(error, StringComparison.Ordinal)), Patience);
        Assert.Contains(_logs.Errors, e => e.Contains(error, StringComparison.Ordinal));
    }

    private async Task<JsonElement> PipelineAsync(string name) =>
        await (await _admin.GetAsync($"/api/admin/pipelines/{name}")).JsonAsync();

    private async Task<JsonElement> WaitForAsync(string name, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var pipeline = await PipelineAsync(name);
            if (condition(pipeline))
            {
                return pipeline;
            }
            Assert.True(DateTime.UtcNow < deadline, $"{name} did not change within {Patience}: {pipeline}");
            await Task.Delay(100);
        }
    }

    /// <summary>Keeps the messages of errors logged by the host.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _errors = new();

        public IReadOnlyCollection<string> Errors => _errors;

        public ILogger CreateLogger(string categoryName) => new Logger(_errors);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> errors) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    errors.Enqueue(formatter(state, exception));
                }
            }
        }
    }
}
