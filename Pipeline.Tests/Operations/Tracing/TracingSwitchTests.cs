using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Operations.Tracing;

/// <summary>Tracing is off unless an OTLP endpoint is configured: then a tracer provider exists, otherwise none listens.</summary>
public sealed class TracingSwitchTests : IAsyncLifetime
{
    private readonly SqliteTestDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Without_an_OTLP_endpoint_no_tracer_provider_is_built()
    {
        await using var app = new PipelineApp(_database);
        Assert.Null(app.Services.GetService<TracerProvider>());
    }

    [Fact]
    public async Task Pipeline_Telemetry_OtlpEndpoint_turns_tracing_on()
    {
        // A loopback port where nothing listens: spans are dropped by the exporter, the host is unaffected.
        await using var app = new PipelineApp(_database, new Dictionary<string, string?> { ["Pipeline:Telemetry:OtlpEndpoint"] = "http://127.0.0.1:4317" });
        Assert.NotNull(app.Services.GetService<TracerProvider>());
    }

    [Fact]
    public async Task An_OTLP_endpoint_that_is_not_a_URI_fails_start_up_naming_the_key()
    {
        await using var app = new PipelineApp(_database, new Dictionary<string, string?> { ["Pipeline:Telemetry:OtlpEndpoint"] = "collector:4317 please" });
        var error = Assert.ThrowsAny<Exception>(() => app.Services);
        Assert.Contains("Pipeline:Telemetry:OtlpEndpoint", error.ToString(), StringComparison.Ordinal);
    }
}
