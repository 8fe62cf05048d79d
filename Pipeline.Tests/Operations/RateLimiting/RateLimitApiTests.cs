using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Operations.RateLimiting;

/// <summary>One host with small limits for the class; each test acts as its own clients (addresses), so windows start empty.</summary>
public sealed class RateLimitedApp : IAsyncLifetime
{
    public const int Reads = 3;
    public const int Writes = 2;
    public const int Consumes = 2;

    private readonly SqliteTestDatabase _database = new();
    private PipelineApp _base = null!;

    public WebApplicationFactory<Program> App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _base = new PipelineApp(_database, new Dictionary<string, string?>
        {
            ["Pipeline:RateLimits:Enabled"] = "true",
            ["Pipeline:RateLimits:PublicReadsPerMinute"] = Reads.ToString(CultureInfo.InvariantCulture),
            ["Pipeline:RateLimits:PublicWritesPerMinute"] = Writes.ToString(CultureInfo.InvariantCulture),
            ["Pipeline:RateLimits:BatchConsumePerMinute"] = Consumes.ToString(CultureInfo.InvariantCulture),
        });
        App = _base.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<IStartupFilter, RemoteIpFromHeader>()));
        _ = App.Server;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await _base.DisposeAsync();
        await _database.DisposeAsync();
    }
}

/// <summary>
/// The contract's rate limits through HTTP, with small limits: headers on every limited response, 429 with
/// Retry-After and <c>rate_limited</c> when refused, one window per client (admin key, else IP), nothing on the calls
/// the contract leaves unlimited. Storage plays no part, so SQLite only. The admin key is one client for the whole
/// class: only one test consumes with it, and only one reads with it.
/// </summary>
public sealed class RateLimitApiTests(RateLimitedApp fixture) : IClassFixture<RateLimitedApp>
{
    private const int Reads = RateLimitedApp.Reads;
    private const int Writes = RateLimitedApp.Writes;
    private const int Consumes = RateLimitedApp.Consumes;

    private readonly WebApplicationFactory<Program> _app = fixture.App;

    [Fact]
    public async Task Public_reads_count_down_then_are_refused_with_429_retry_after_and_rate_limited()
    {
        var client = Client("203.0.113.7");
        var before = DateTimeOffset.UtcNow;

        for (var i = 1; i <= Reads; i++)
        {
            var ok = await client.GetAsync("/api/events");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            var (limit, remaining, reset) = Headers(ok);
            Assert.Equal(Reads, limit);
            Assert.Equal(Reads - i, remaining);
            Assert.InRange(reset, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(61));
        }

        var refusedSentAt = DateTimeOffset.UtcNow;
        var refused = await client.GetAsync("/api/events");
        var refusedReadAt = DateTimeOffset.UtcNow;

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.JsonAsync();
        Assert.Equal("rate_limited", problem.GetProperty("code").GetString());
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        var retryAfter = int.Parse(Assert.Single(refused.Headers.GetValues("Retry-After")), NumberStyles.None, CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        var (refusedLimit, refusedRemaining, refusedReset) = Headers(refused);
        Assert.Equal(Reads, refusedLimit);
        Assert.Equal(0, refusedRemaining);
        // Retry-After (whole seconds, rounded up) and X-RateLimit-Reset (whole seconds, cut) tell the same moment, as seen
        // at some instant between sending the request and reading the answer, however long that took on a loaded machine.
        Assert.True((refusedReset - refusedReadAt).TotalSeconds <= retryAfter, $"reset {refusedReset:O}, read at {refusedReadAt:O}, Retry-After {retryAfter}");
        Assert.True((refusedReset - refusedSentAt).TotalSeconds > retryAfter - 2, $"reset {refusedReset:O}, sent at {refusedSentAt:O}, Retry-After {retryAfter}");

        // Every public read shares the window: the event and registration reads are refused too.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.GetAsync("/api/events/evt_unknown")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.GetAsync("/api/public/events/evt_x/registrations/reg_y")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.GetAsync("/api/public/events/evt_x/registrations/reg_y/download-pdf")).StatusCode);
    }

    [Fact]
    public async Task Each_client_has_its_own_window_by_remote_ip_or_admin_key()
    {
        var first = Client("203.0.113.10");
        for (var i = 0; i < Reads; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/api/events")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await first.GetAsync("/api/events")).StatusCode);

        var other = await Client("203.0.113.11").GetAsync("/api/events");
        var admin = await Client("203.0.113.10", PipelineApp.AdminKey).GetAsync("/api/events");

        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(Reads - 1, Headers(other).Remaining);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode); // same address, but the admin key is its own client
        Assert.Equal(Reads - 1, Headers(admin).Remaining);
    }

    [Fact]
    public async Task IPv6_clients_are_counted_per_64_prefix()
    {
        for (var i = 0; i < Reads; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await Client($"2001:db8:1:2::{i + 1}").GetAsync("/api/events")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await Client("2001:db8:1:2:ffff::9").GetAsync("/api/events")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client("2001:db8:1:3::1").GetAsync("/api/events")).StatusCode);
    }

    [Fact]
    public async Task Public_writes_have_their_own_smaller_window()
    {
        var client = Client("198.51.100.1");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/events")).StatusCode);

        for (var i = 1; i <= Writes; i++)
        {
            var order = await client.PostJsonAsync("/api/public/events/evt_unknown/orders", new { memberId = "mem_x" });
            Assert.Equal(HttpStatusCode.NotFound, order.StatusCode); // counted even though it failed
            Assert.Equal(Writes - i, Headers(order).Remaining);
        }
        var refused = await client.PostJsonAsync("/api/public/events/evt_unknown/confirm-payment", new { memberId = "m" });

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(Writes, Headers(refused).Limit);
        Assert.Equal(Reads - 2, Headers(await client.GetAsync("/api/events")).Remaining);
    }

    [Fact]
    public async Task Batch_consume_is_limited_per_admin_key_a_wrong_key_counts_against_the_address_and_other_admin_calls_are_not()
    {
        var admin = Client("192.0.2.1", PipelineApp.AdminKey);
        var created = await admin.PostJsonAsync("/api/batches", new { sku = "sku-rl", quantity = 100 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.False(created.Headers.Contains("X-RateLimit-Limit"));
        var id = (await created.JsonAsync()).GetProperty("id").GetString();

        // Invented keys buy no fresh windows: they count against the address.
        var forger = Client("192.0.2.50", "not-the-admin-key-0000");
        for (var i = 0; i < Consumes; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await forger.PostJsonAsync($"/api/batches/{id}/consume", new { quantity = 1 })).StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await forger.PostJsonAsync($"/api/batches/{id}/consume", new { quantity = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests,
            (await Client("192.0.2.50", "another-invented-key-111").PostJsonAsync($"/api/batches/{id}/consume", new { quantity = 1 })).StatusCode);

        // The admin key is its own client, from that address or any other.
        var first = await Client("192.0.2.50", PipelineApp.AdminKey).PostJsonAsync($"/api/batches/{id}/consume", new { quantity = 1 });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(Consumes - 1, Headers(first).Remaining);
        for (var i = 1; i < Consumes; i++)
        {
            var ok = await admin.PostJsonAsync($"/api/batches/{id}/consume", new { quantity = 1 });
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(Consumes - 1 - i, Headers(ok).Remaining);
        }
        var refused = await Client("192.0.2.2", PipelineApp.AdminKey).PostJsonAsync($"/api/batches/{id}/consume", new { quantity = 1 });

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("rate_limited", (await refused.JsonAsync()).GetProperty("code").GetString());
        for (var i = 0; i < 5; i++)
        {
            var read = await admin.GetAsync($"/api/batches/{id}");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.False(read.Headers.Contains("X-RateLimit-Limit"));
        }
        var batch = await (await admin.GetAsync($"/api/batches/{id}")).JsonAsync();
        Assert.Equal(100 - Consumes, batch.GetProperty("remaining").GetInt64()); // refused calls consumed nothing
    }

    [Fact]
    public async Task Razorpay_webhooks_health_and_metrics_are_never_limited()
    {
        var razorpay = Client("203.0.113.99");
        for (var i = 0; i < Reads + Writes + 3; i++)
        {
            var webhook = await razorpay.PostRawAsync("/api/webhooks/razorpay", "{}");
            Assert.Equal(HttpStatusCode.BadRequest, webhook.StatusCode); // unsigned: refused by the signature check, not the limiter
            Assert.False(webhook.Headers.Contains("X-RateLimit-Limit"));
            Assert.Equal(HttpStatusCode.OK, (await razorpay.GetAsync("/health/live")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await razorpay.GetAsync("/metrics")).StatusCode);
        }
    }

    [Fact]
    public async Task Refusals_are_counted_in_metrics_by_policy()
    {
        var client = Client("203.0.113.200");
        var before = await RefusalsAsync(client);
        for (var i = 0; i <= Reads; i++)
        {
            await client.GetAsync("/api/events");
        }

        var after = await RefusalsAsync(client);

        Assert.Equal(before.Policy + 1, after.Policy);
        Assert.Equal(before.Route + 1, after.Route);
    }

    /// <summary>Refusals of public reads, and 429s of GET /api/events, so far (other tests of the class add to them).</summary>
    private static async Task<(double Policy, double Route)> RefusalsAsync(HttpClient client)
    {
        var families = Metrics.PrometheusExposition.Parse(await (await client.GetAsync("/metrics")).Content.ReadAsStringAsync());
        // A family is exported from its first count on: missing when this test runs first in a fresh process.
        double Sum(string family, Func<Metrics.PromSample, bool> match) =>
            families.TryGetValue(family, out var found) ? found.Samples.Where(match).Sum(s => s.Value) : 0;
        var policy = Sum("pipeline_http_rate_limited_total", s => s.Labels["policy"] == "public-reads");
        var route = Sum("pipeline_http_request_duration_seconds",
            s => s.Name.EndsWith("_count", StringComparison.Ordinal) && s.Labels["route"] == "/api/events" && s.Labels["status"] == "429");
        return (policy, route);
    }

    private HttpClient Client(string ip, string? adminKey = null)
    {
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Add(RemoteIpFromHeader.Header, ip);
        if (adminKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminKey);
        }
        return client;
    }

    private static (int Limit, int Remaining, DateTimeOffset Reset) Headers(HttpResponseMessage response)
    {
        var limit = int.Parse(Assert.Single(response.Headers.GetValues("X-RateLimit-Limit")), CultureInfo.InvariantCulture);
        var remaining = int.Parse(Assert.Single(response.Headers.GetValues("X-RateLimit-Remaining")), CultureInfo.InvariantCulture);
        var resetText = Assert.Single(response.Headers.GetValues("X-RateLimit-Reset"));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", resetText);
        var reset = DateTimeOffset.Parse(resetText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        return (limit, remaining, reset);
    }
}

/// <summary>Disabled (the test default): no headers, no refusals.</summary>
public sealed class RateLimitDisabledTests(AppFixture<SqliteTestDatabase> fixture) : IClassFixture<AppFixture<SqliteTestDatabase>>
{
    [Fact]
    public async Task With_Enabled_false_nothing_is_limited_or_labelled()
    {
        var client = fixture.App.CreateClient();
        for (var i = 0; i < 120; i++)
        {
            var response = await client.GetAsync("/api/events");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(response.Headers.Contains("X-RateLimit-Limit"));
        }
    }
}
