using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Pipeline.Actors.Persistence;
using Pipeline.Tests.Storage;

namespace Pipeline.Tests.Support;

/// <summary>The real host over real HTTP semantics (in-memory server), on the given test database.</summary>
/// <param name="jsonFile">A JSON settings file read after <paramref name="settings"/> and watched for changes, as <c>config/pipeline.json</c> is.</param>
/// <param name="environment">The hosting environment; <c>Testing</c> behaves as any environment other than Development.</param>
public sealed class PipelineApp(
    TestDatabase database, IReadOnlyDictionary<string, string?>? settings = null, string? jsonFile = null, string environment = "Testing")
    : WebApplicationFactory<Program>
{
    public const string AdminKey = "test-admin-key-0123456789";
    public const string RazorpayKeyId = "rzp_test_pipeline";
    public const string RazorpayKeySecret = "test-razorpay-key-secret";
    public const string RazorpayWebhookSecret = "test-razorpay-webhook-secret";
    public const string TicketSigningKey = "test-ticket-signing-key-0123456789";

    private PhysicalFileProvider? _jsonFiles;

    public IStorage Storage => Services.GetRequiredService<IStorage>();

    /// <summary>Replaces services after the host registered its own (e.g. a clock a test controls).</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _jsonFiles?.Dispose();
    }

    /// <summary>
    /// Waits until the journal projection has applied every write committed so far: the outbox, the work items and the
    /// read side rows a test reads straight from storage are written by it, shortly after the write they come from.
    /// </summary>
    public Task ProjectedAsync() => ProjectedAsync(this);

    /// <inheritdoc cref="ProjectedAsync()"/>
    public static Task ProjectedAsync(WebApplicationFactory<Program> app) =>
        app.Services.GetRequiredService<Pipeline.Host.ReadSide.ReadSideCatchUp>().WaitAsync(CancellationToken.None, force: true);

    /// <summary>A client that sends the admin key.</summary>
    public HttpClient CreateAdminClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
        return client;
    }

    public const string WhatsAppModeKey = "Pipeline:WhatsApp:Mode";
    public const string WhatsAppTokenKey = "Pipeline:WhatsApp:AccessToken";

    /// <summary>
    /// <c>Sandbox</c> for a test that names no WhatsApp account (neither a token nor a mode): outside Development the
    /// host refuses to start in <c>Live</c> mode without a token, and such a test only wants tickets recorded locally.
    /// A test that names either gets exactly what it names.
    /// </summary>
    public static string? WhatsAppModeFor(IReadOnlyDictionary<string, string?>? settings) =>
        settings is not null && (settings.ContainsKey(WhatsAppModeKey) || settings.ContainsKey(WhatsAppTokenKey)) ? null : "Sandbox";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        var all = new Dictionary<string, string?>
        {
            ["Pipeline:Storage:Provider"] = database.Provider,
            ["Pipeline:Storage:ConnectionString"] = database.ConnectionString,
            ["Pipeline:Admin:ApiKey"] = AdminKey,
            ["Pipeline:RateLimits:Enabled"] = "false",
            ["Pipeline:Razorpay:Mode"] = "Sandbox",
            ["Pipeline:Razorpay:KeyId"] = RazorpayKeyId,
            ["Pipeline:Razorpay:KeySecret"] = RazorpayKeySecret,
            ["Pipeline:Razorpay:WebhookSecret"] = RazorpayWebhookSecret,
            ["Pipeline:Tickets:SigningKey"] = TicketSigningKey,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        if (WhatsAppModeFor(settings) is { } mode)
        {
            all[WhatsAppModeKey] = mode;
        }
        // Program reads some settings while it registers services (entity runtime options), before the callbacks of
        // ConfigureAppConfiguration run: UseSetting puts them in builder.Configuration from the start.
        foreach (var (key, value) in all)
        {
            builder.UseSetting(key, value);
        }
        if (TestServices is { } testServices)
        {
            builder.ConfigureTestServices(testServices);
        }
        builder.ConfigureAppConfiguration((_, configuration) =>
        {
            configuration.AddInMemoryCollection(all);
            if (jsonFile is not null)
            {
                // A provider of our own, disposed with the app: one made from a bare path would keep its watcher.
                _jsonFiles ??= new PhysicalFileProvider(Path.GetDirectoryName(Path.GetFullPath(jsonFile))!);
                configuration.AddJsonFile(_jsonFiles, Path.GetFileName(jsonFile), optional: false, reloadOnChange: true);
            }
        });
    }
}
