using System.Net;
using System.Text;
using Pipeline.Cli;

namespace Pipeline.Tests.Cli;

/// <summary>
/// <c>pipeline deliveries</c> against a recording fake of the webhook endpoints API (the paths and shapes of API.md),
/// so the requests the tool sends and what it prints are checked exactly.
/// </summary>
public sealed class CliDeliveriesTests
{
    private const string Url = "http://pipeline.test";

    [Fact]
    public async Task Deliveries_list_asks_for_the_endpoints_deliveries_in_a_status_and_prints_them()
    {
        var host = new FakeHost(HttpStatusCode.OK, """
            {"items":[{"id":"dlv_1","type":"ticket.sent","status":"dead","attempts":8,"lastStatusCode":500,"nextAttemptAt":null}],"nextCursor":"c2"}
            """);

        var run = await CliRun.RunAsync(null, host, "deliveries", "list", "whep_9", "--status", "dead", "--limit", "10", "--url", Url, "--api-key", "k");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var request = Assert.Single(host.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal($"{Url}/api/webhook-endpoints/whep_9/deliveries?status=dead&limit=10", request.Uri);
        Assert.Equal("Bearer k", request.Authorization);
        Assert.Contains("dlv_1", run.Output, StringComparison.Ordinal);
        Assert.Contains("ticket.sent", run.Output, StringComparison.Ordinal);
        Assert.Contains("More: --cursor c2", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deliveries_retry_posts_the_retry_and_reports_it_queued()
    {
        var host = new FakeHost(HttpStatusCode.Accepted, "");

        var run = await CliRun.RunAsync(null, host, "deliveries", "retry", "whep_9", "dlv_1", "--url", Url, "--api-key", "k");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var request = Assert.Single(host.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"{Url}/api/webhook-endpoints/whep_9/deliveries/dlv_1/retry", request.Uri);
        Assert.Contains("Delivery dlv_1 is queued for another attempt", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_endpoint_is_the_hosts_problem_printed_in_one_line()
    {
        var host = new FakeHost(HttpStatusCode.NotFound,
            """{"type":"about:blank","title":"Webhook endpoint was not found.","status":404,"code":"webhook_endpoint_not_found"}""",
            "application/problem+json");

        var run = await CliRun.RunAsync(null, host, "deliveries", "list", "whep_x", "--url", Url, "--api-key", "k");

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Equal("Webhook endpoint was not found. (webhook_endpoint_not_found, 404 Not Found)", run.Error.Trim());
    }

    [Fact]
    public async Task Ids_stay_one_path_segment()
    {
        var host = new FakeHost(HttpStatusCode.OK, """{"items":[],"nextCursor":null}""");

        await CliRun.RunAsync(null, host, "deliveries", "list", "a/b?c", "--url", Url + "/behind/proxy", "--api-key", "k");

        Assert.Equal($"{Url}/behind/proxy/api/webhook-endpoints/a%2Fb%3Fc/deliveries", Assert.Single(host.Requests).Uri);
    }

    private sealed record Seen(string Method, string Uri, string? Authorization);

    private sealed class FakeHost(HttpStatusCode status, string body, string contentType = "application/json") : HttpMessageHandler
    {
        public List<Seen> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(new Seen(request.Method.Method, request.RequestUri!.AbsoluteUri, request.Headers.Authorization?.ToString()));
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, contentType) });
        }
    }
}
