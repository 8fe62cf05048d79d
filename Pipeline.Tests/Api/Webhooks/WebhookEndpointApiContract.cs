using System.Net;
using System.Text.Json;
using Pipeline.Actors.Webhooks;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Api.Webhooks;

public sealed class SqliteWebhookEndpointApiTests(AppFixture<SqliteTestDatabase> fixture) : WebhookEndpointApiContract<SqliteTestDatabase>(fixture);

public sealed class PostgresWebhookEndpointApiTests(AppFixture<PostgresTestDatabase> fixture) : WebhookEndpointApiContract<PostgresTestDatabase>(fixture);

/// <summary>
/// The webhook endpoints part of the contract through HTTP, on each storage, with the default
/// <c>Pipeline:Webhooks:AllowPrivateNetworks=false</c>: endpoints here point at a public address literal.
/// </summary>
public abstract class WebhookEndpointApiContract<TDatabase>(AppFixture<TDatabase> fixture) : IClassFixture<AppFixture<TDatabase>>
    where TDatabase : TestDatabase, new()
{
    /// <summary>A public address (no DNS needed); nothing here makes messages of the types these endpoints take.</summary>
    private const string PublicUrl = "https://93.184.216.34/hooks/pipeline";

    private readonly HttpClient _admin = fixture.App.CreateAdminClient();
    private readonly HttpClient _anonymous = fixture.App.CreateClient();

    [Fact]
    public async Task Creating_an_endpoint_answers_201_with_its_id_url_events_and_a_whsec_secret_of_32_bytes()
    {
        var response = await _admin.PostJsonAsync("/api/webhook-endpoints",
            new { url = PublicUrl, events = new[] { "ticket.sent", "registration.paid", "ticket.sent" } });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var endpoint = await response.JsonAsync();
        var id = endpoint.GetProperty("id").GetString()!;
        Assert.StartsWith("ep_", id);
        Assert.Equal($"/api/webhook-endpoints/{id}", response.Headers.Location?.ToString());
        Assert.Equal(PublicUrl, endpoint.GetProperty("url").GetString());
        Assert.Equal(["registration.paid", "ticket.sent"], endpoint.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        var secret = endpoint.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);

        var read = await (await _admin.GetAsync($"/api/webhook-endpoints/{id}")).JsonAsync();
        Assert.Equal((id, secret), (read.GetProperty("id").GetString(), read.GetProperty("secret").GetString()));
    }

    [Fact]
    public async Task Endpoints_list_in_pages_without_their_secrets()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await CreateAsync(PublicUrl + "/" + i, "batch.depleted"));
        }

        var seen = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await (await _admin.GetAsync("/api/webhook-endpoints?limit=2" + (cursor is null ? "" : "&cursor=" + cursor))).JsonAsync();
            seen.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(ids, seen.Select(e => e.GetProperty("id").GetString()!).Where(ids.Contains));
        Assert.All(seen, e => Assert.False(e.TryGetProperty("secret", out _), "a list never shows secrets"));
        Assert.All(seen, e => Assert.Equal(JsonValueKind.Array, e.GetProperty("events").ValueKind));
    }

    [Fact]
    public async Task A_deleted_endpoint_is_204_then_404_and_gone_from_the_list()
    {
        var id = await CreateAsync(PublicUrl, "batch.depleted");

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/webhook-endpoints/{id}")).StatusCode);

        await AssertProblemAsync(await _admin.GetAsync($"/api/webhook-endpoints/{id}"), HttpStatusCode.NotFound, "webhook_endpoint_not_found");
        await AssertProblemAsync(await _admin.DeleteAsync($"/api/webhook-endpoints/{id}"), HttpStatusCode.NotFound, "webhook_endpoint_not_found");
        await AssertProblemAsync(await _admin.GetAsync($"/api/webhook-endpoints/{id}/deliveries"), HttpStatusCode.NotFound, "webhook_endpoint_not_found");
        var list = await (await _admin.GetAsync("/api/webhook-endpoints?limit=200")).JsonAsync();
        Assert.DoesNotContain(id, list.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task An_endpoint_stored_before_endpoints_were_entities_is_read_and_deleted_like_any_other()
    {
        var id = "ep_legacy" + Guid.NewGuid().ToString("N")[..12];
        await fixture.App.Storage.Webhooks.AddAsync(
            new WebhookEndpoint(id, PublicUrl, ["batch.depleted"], "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U=", DateTimeOffset.UtcNow));
        Assert.Equal(HttpStatusCode.OK, (await _admin.GetAsync($"/api/webhook-endpoints/{id}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/webhook-endpoints/{id}")).StatusCode);

        await AssertProblemAsync(await _admin.GetAsync($"/api/webhook-endpoints/{id}"), HttpStatusCode.NotFound, "webhook_endpoint_not_found");
        await AssertProblemAsync(await _admin.DeleteAsync($"/api/webhook-endpoints/{id}"), HttpStatusCode.NotFound, "webhook_endpoint_not_found");
    }

    [Theory]
    [InlineData("""{}""", "url,events")]
    [InlineData("""{"url": 5, "events": ["batch.depleted"]}""", "url")]
    [InlineData("""{"url": "https://93.184.216.34/h", "events": "batch.depleted"}""", "events")]
    [InlineData("""{"url": "https://93.184.216.34/h", "events": []}""", "events")]
    [InlineData("""{"url": "https://93.184.216.34/h", "events": [1]}""", "events")]
    [InlineData("""{"url": "https://93.184.216.34/h", "events": ["batch.depleted", "order.created"]}""", "events")]
    [InlineData("""{"url": "", "events": ["batch.exploded"]}""", "url,events")]
    public async Task A_malformed_body_or_an_unknown_event_type_is_validation_failed_per_field(string body, string fields)
    {
        var response = await _admin.PostRawAsync("/api/webhook-endpoints", body);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(fields.Split(',').Order(), problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());
    }

    [Theory]
    [InlineData("ftp://93.184.216.34/hook")]
    [InlineData("not a url")]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://localhost:8080/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/iam")]
    [InlineData("http://10.0.0.5/hook")]
    [InlineData("https://172.20.1.1/hook")]
    [InlineData("https://192.168.0.10/hook")]
    [InlineData("http://[::1]:9000/hook")]
    [InlineData("http://[fe80::1]/hook")]
    [InlineData("http://[fd00::5]/hook")]
    [InlineData("http://0.0.0.0/hook")]
    [InlineData("http://224.0.0.1/hook")]
    public async Task A_url_that_is_not_http_or_points_inside_the_network_is_invalid_url(string url)
    {
        var response = await _admin.PostJsonAsync("/api/webhook-endpoints", new { url, events = new[] { "batch.depleted" } });

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_url");
        Assert.True(problem.GetProperty("errors").TryGetProperty("url", out _));
    }

    [Fact]
    public async Task Every_webhook_endpoint_route_needs_the_admin_key()
    {
        await AssertProblemAsync(await _anonymous.PostJsonAsync("/api/webhook-endpoints", new { url = PublicUrl, events = new[] { "batch.depleted" } }),
            HttpStatusCode.Unauthorized, "unauthorized");
        await AssertProblemAsync(await _anonymous.GetAsync("/api/webhook-endpoints"), HttpStatusCode.Unauthorized, "unauthorized");
        var id = await CreateAsync(PublicUrl, "batch.depleted");
        await AssertProblemAsync(await _anonymous.GetAsync($"/api/webhook-endpoints/{id}"), HttpStatusCode.Unauthorized, "unauthorized");
        await AssertProblemAsync(await _anonymous.DeleteAsync($"/api/webhook-endpoints/{id}"), HttpStatusCode.Unauthorized, "unauthorized");
        await AssertProblemAsync(await _anonymous.GetAsync($"/api/webhook-endpoints/{id}/deliveries"), HttpStatusCode.Unauthorized, "unauthorized");
        await AssertProblemAsync(await _anonymous.PostAsync($"/api/webhook-endpoints/{id}/deliveries/dlv_1/retry", null),
            HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Deliveries_refuse_an_unknown_status_and_a_retry_of_a_delivery_the_endpoint_does_not_have_is_404()
    {
        var id = await CreateAsync(PublicUrl, "batch.depleted");

        var empty = await (await _admin.GetAsync($"/api/webhook-endpoints/{id}/deliveries?status=dead")).JsonAsync();
        Assert.Empty(empty.GetProperty("items").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("nextCursor").ValueKind);
        await AssertProblemAsync(await _admin.GetAsync($"/api/webhook-endpoints/{id}/deliveries?status=lost"), HttpStatusCode.BadRequest, "validation_failed");
        await AssertProblemAsync(await _admin.PostAsync($"/api/webhook-endpoints/{id}/deliveries/dlv_999999/retry", null),
            HttpStatusCode.NotFound, "delivery_not_found");
        await AssertProblemAsync(await _admin.PostAsync($"/api/webhook-endpoints/{id}/deliveries/nonsense/retry", null),
            HttpStatusCode.NotFound, "delivery_not_found");
        await AssertProblemAsync(await _admin.GetAsync("/api/webhook-endpoints/ep_unknown/deliveries"), HttpStatusCode.NotFound, "webhook_endpoint_not_found");
    }

    private async Task<string> CreateAsync(string url, params string[] events)
    {
        var response = await _admin.PostJsonAsync("/api/webhook-endpoints", new { url, events });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        return problem;
    }
}
