using System.Text;
using Pipeline.Streams.Webhooks;

namespace Pipeline.Tests.Streams.Webhooks;

public sealed class WebhookSignerTests
{
    /// <summary>
    /// The published vector of standard-webhooks/standard-webhooks, <c>libraries/csharp/StandardWebhooks.Tests/WebhookTest.cs</c>
    /// (<c>verifyWebhookSignWorks</c>), which the spec's other libraries share.
    /// </summary>
    [Fact]
    public void Signs_the_Standard_Webhooks_test_vector()
    {
        var signature = WebhookSigner.Sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            DateTimeOffset.FromUnixTimeSeconds(1614265330),
            "{\"test\": 2432232314}");

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    [Fact]
    public void A_secret_without_its_prefix_signs_the_same()
    {
        var body = Encoding.UTF8.GetBytes("{\"test\": 2432232314}");
        Assert.Equal(
            WebhookSigner.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            WebhookSigner.Sign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body));
    }

    [Fact]
    public void Any_change_of_id_timestamp_or_body_changes_the_signature()
    {
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        var body = Encoding.UTF8.GetBytes("{\"test\": 2432232314}");
        var original = WebhookSigner.Sign(secret, "msg_1", 1614265330, body);

        Assert.NotEqual(original, WebhookSigner.Sign(secret, "msg_2", 1614265330, body));
        Assert.NotEqual(original, WebhookSigner.Sign(secret, "msg_1", 1614265331, body));
        Assert.NotEqual(original, WebhookSigner.Sign(secret, "msg_1", 1614265330, Encoding.UTF8.GetBytes("{\"test\":2432232314}")));
    }

    [Fact]
    public void New_secrets_are_whsec_and_base64_of_32_random_bytes()
    {
        var first = WebhookSigner.NewSecret();
        var second = WebhookSigner.NewSecret();

        Assert.StartsWith("whsec_", first);
        Assert.Equal(32, WebhookSigner.KeyOf(first).Length);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void An_id_with_a_dot_is_refused_because_the_signed_parts_are_joined_by_dots() =>
        Assert.Throws<ArgumentException>(() => WebhookSigner.Sign(WebhookSigner.NewSecret(), "msg.1", 1, []));

    [Fact]
    public void The_body_is_type_timestamp_and_the_data_verbatim()
    {
        var body = WebhookPayload.Build("batch.depleted", new DateTimeOffset(2026, 3, 1, 9, 30, 0, 250, TimeSpan.FromHours(5.5)),
            "{\"id\": \"bat_1\",  \"remaining\":0}");

        Assert.Equal(
            "{\"type\":\"batch.depleted\",\"timestamp\":\"2026-03-01T04:00:00.250Z\",\"data\":{\"id\": \"bat_1\",  \"remaining\":0}}",
            Encoding.UTF8.GetString(body));
    }
}
