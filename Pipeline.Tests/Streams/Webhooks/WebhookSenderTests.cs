using System.Net;
using System.Text.Json;
using Pipeline.Actors.Webhooks;
using Pipeline.Actors.Work;
using Pipeline.Streams.Webhooks;
using Pipeline.Tests.Fakes;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Webhooks;

/// <summary>The signed POST against a local receiver, and the connect-time address check (what defeats DNS rebinding).</summary>
public sealed class WebhookSenderTests : IAsyncLifetime
{
    private static readonly string Secret = WebhookSigner.NewSecret();
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Posts_the_message_signed_with_the_message_id_and_this_attempts_timestamp()
    {
        _receiver.SetSecret("a", Secret);
        using var sender = Sender(allowPrivate: true);
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        Assert.Equal(200, await sender.SendAsync(Claim(_receiver.UrlFor("a")), CancellationToken.None));
        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var receipt = Assert.Single(_receiver.For("a"));
        Assert.True(receipt.SignatureValid);
        Assert.Equal("msg_test1", receipt.WebhookId);
        Assert.InRange(long.Parse(receipt.Timestamp, System.Globalization.CultureInfo.InvariantCulture), before, after);
        Assert.StartsWith("application/json", receipt.ContentType);
        using var body = JsonDocument.Parse(receipt.Body);
        Assert.Equal("batch.depleted", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("2026-03-01T09:30:00.000Z", body.RootElement.GetProperty("timestamp").GetString());
        Assert.Equal("bat_1", body.RootElement.GetProperty("data").GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_host_that_resolves_to_loopback_at_connect_time_is_refused_before_any_byte_is_sent()
    {
        // The name resolved to a public address when the endpoint was made; now it points inside (DNS rebinding).
        var guard = new WebhookAddressGuard(false, (_, _) => Task.FromResult(new[] { IPAddress.Loopback }));
        using var sender = new WebhookSender(new WebhookOptions(), guard, TimeProvider.System);
        var url = $"http://hooks.example.com:{new Uri(_receiver.BaseUrl).Port}/hooks/a";

        var failure = await Assert.ThrowsAsync<WebhookDeliveryException>(() => sender.SendAsync(Claim(url), CancellationToken.None).AsTask());

        Assert.Contains("127.0.0.1, which is not a public address", failure.Message);
        Assert.Null(failure.Status);
        Assert.True(failure.CountsAgainstEndpoint);
        Assert.Empty(_receiver.Receipts);
    }

    [Fact]
    public async Task Localhost_and_loopback_literals_are_refused_at_connect_time_too()
    {
        using var sender = Sender(allowPrivate: false);
        var port = new Uri(_receiver.BaseUrl).Port;

        await Assert.ThrowsAsync<WebhookDeliveryException>(() => sender.SendAsync(Claim($"http://localhost:{port}/hooks/a"), CancellationToken.None).AsTask());
        await Assert.ThrowsAsync<WebhookDeliveryException>(() => sender.SendAsync(Claim($"http://127.0.0.1:{port}/hooks/a"), CancellationToken.None).AsTask());

        Assert.Empty(_receiver.Receipts);
    }

    [Fact]
    public async Task The_connection_goes_to_the_address_the_guard_resolved_and_checked()
    {
        var guard = new WebhookAddressGuard(true, (host, _) => Task.FromResult(host == "hooks.example.com" ? new[] { IPAddress.Loopback } : []));
        using var sender = new WebhookSender(new WebhookOptions(), guard, TimeProvider.System);

        Assert.Equal(200, await sender.SendAsync(Claim($"http://hooks.example.com:{new Uri(_receiver.BaseUrl).Port}/hooks/a"), CancellationToken.None));
        Assert.Single(_receiver.For("a"));
    }

    [Theory]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(429, true)]
    [InlineData(408, true)]
    [InlineData(400, false)]
    [InlineData(404, false)]
    [InlineData(410, false)]
    [InlineData(302, false)] // a redirect is not followed: it is a failed attempt
    public async Task A_non_2xx_answer_is_a_failure_and_says_whether_it_is_the_endpoints_health(int status, bool countsAgainstEndpoint)
    {
        _receiver.AnswerWith("a", status);
        using var sender = Sender(allowPrivate: true);

        var failure = await Assert.ThrowsAsync<WebhookDeliveryException>(() => sender.SendAsync(Claim(_receiver.UrlFor("a")), CancellationToken.None).AsTask());

        Assert.Equal(status, failure.Status);
        Assert.Equal(countsAgainstEndpoint, failure.CountsAgainstEndpoint);
        Assert.Equal(status == 410, failure.IsGone);
    }

    /// <summary>On a manual clock: the attempt is still open just before its timeout and fails at it, with no stopwatch margin.</summary>
    [Fact]
    public async Task An_endpoint_that_never_answers_fails_after_the_attempt_timeout()
    {
        _receiver.Hang("a");
        var time = new ManualTimeProvider();
        using var sender = new WebhookSender(new WebhookOptions { AttemptTimeout = TimeSpan.FromMilliseconds(300) }, new WebhookAddressGuard(true), time);

        var attempt = sender.SendAsync(Claim(_receiver.UrlFor("a")), CancellationToken.None).AsTask();
        Assert.True(await Eventually.HoldsAsync(() => _receiver.For("a").Count == 1), "the request never reached the receiver");
        time.Advance(TimeSpan.FromMilliseconds(299));
        Assert.False(attempt.IsCompleted, "the attempt ended before its timeout");
        time.Advance(TimeSpan.FromMilliseconds(1));

        var failure = await Assert.ThrowsAsync<WebhookDeliveryException>(() => attempt.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Null(failure.Status);
        Assert.True(failure.CountsAgainstEndpoint);
        Assert.Contains("no response within", failure.Message);
    }

    private static WebhookSender Sender(bool allowPrivate) =>
        new(new WebhookOptions(), new WebhookAddressGuard(allowPrivate), TimeProvider.System);

    private static DeliveryClaim Claim(string url) => new(
        new WorkItem(1, OutboxRoutes.Deliveries, "msg_test1", "ep_1", "batch.depleted", "bat_1", "{\"id\": \"bat_1\", \"remaining\": 0}",
            new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.Zero), 0, "token", DateTimeOffset.UtcNow.AddMinutes(1)),
        url, Secret);
}
