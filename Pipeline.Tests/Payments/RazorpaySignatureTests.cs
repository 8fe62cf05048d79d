using System.Text;
using Pipeline.Host.Payments;
using V = Pipeline.Tests.Payments.RazorpayTestVectors;

namespace Pipeline.Tests.Payments;

/// <summary><see cref="RazorpaySignature"/> against the fixed vectors computed with openssl and python3, not against itself.</summary>
public sealed class RazorpaySignatureTests
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(V.WebhookBody);

    [Fact]
    public void The_checkout_signature_is_the_externally_computed_hex()
    {
        Assert.Equal(V.PaymentSignature, RazorpaySignature.ForPayment(V.KeySecret, V.OrderId, V.PaymentId));
        Assert.True(RazorpaySignature.IsValidPayment(V.KeySecret, V.OrderId, V.PaymentId, V.PaymentSignature));
    }

    [Fact]
    public void A_checkout_signature_changed_by_one_character_or_for_other_ids_or_key_is_refused()
    {
        Assert.False(RazorpaySignature.IsValidPayment(V.KeySecret, V.OrderId, V.PaymentId, V.ChangeLast(V.PaymentSignature)));
        Assert.False(RazorpaySignature.IsValidPayment(V.KeySecret, V.OrderId, V.ChangeLast(V.PaymentId), V.PaymentSignature));
        Assert.False(RazorpaySignature.IsValidPayment(V.KeySecret, V.ChangeLast(V.OrderId), V.PaymentId, V.PaymentSignature));
        Assert.False(RazorpaySignature.IsValidPayment(V.ChangeLast(V.KeySecret), V.OrderId, V.PaymentId, V.PaymentSignature));
        // The webhook secret is not the key secret: each signs only its own kind of message.
        Assert.False(RazorpaySignature.IsValidPayment(V.WebhookSecret, V.OrderId, V.PaymentId, V.PaymentSignature));
        Assert.False(RazorpaySignature.IsValidPayment(V.KeySecret, V.OrderId, V.PaymentId, V.PaymentSignature[..^1]));
        Assert.False(RazorpaySignature.IsValidPayment(V.KeySecret, V.OrderId, V.PaymentId, ""));
    }

    [Fact]
    public void The_webhook_signature_is_the_externally_computed_hex_of_the_raw_body()
    {
        Assert.Equal(V.WebhookSignature, RazorpaySignature.ForWebhook(V.WebhookSecret, Body));
        Assert.True(RazorpaySignature.IsValidWebhook(V.WebhookSecret, Body, V.WebhookSignature));
    }

    [Fact]
    public void A_webhook_body_or_signature_changed_by_one_character_is_refused()
    {
        var amountChanged = Encoding.UTF8.GetBytes(V.WebhookBody.Replace("\"amount\": 49900", "\"amount\": 49901", StringComparison.Ordinal));
        var reencoded = Encoding.UTF8.GetBytes(V.WebhookBody.Replace("\"amount\": 49900", "\"amount\":49900", StringComparison.Ordinal));

        Assert.False(RazorpaySignature.IsValidWebhook(V.WebhookSecret, Body, V.ChangeLast(V.WebhookSignature)));
        Assert.False(RazorpaySignature.IsValidWebhook(V.WebhookSecret, amountChanged, V.WebhookSignature));
        Assert.False(RazorpaySignature.IsValidWebhook(V.WebhookSecret, reencoded, V.WebhookSignature));
        Assert.False(RazorpaySignature.IsValidWebhook(V.KeySecret, Body, V.WebhookSignature));
    }
}
