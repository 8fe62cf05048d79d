using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Host.Payments;

/// <summary>
/// Razorpay's signatures: lowercase hex HMAC-SHA256. Checkout signs <c>order_id|payment_id</c> with the key
/// secret; webhooks sign the raw body with the webhook secret. Compared in constant time.
/// </summary>
public static class RazorpaySignature
{
    public static string ForPayment(string keySecret, string orderId, string paymentId) =>
        Hex(keySecret, Encoding.UTF8.GetBytes(orderId + "|" + paymentId));

    public static string ForWebhook(string webhookSecret, ReadOnlySpan<byte> rawBody) => Hex(webhookSecret, rawBody);

    public static bool IsValidPayment(string keySecret, string orderId, string paymentId, string signature) =>
        Matches(ForPayment(keySecret, orderId, paymentId), signature);

    public static bool IsValidWebhook(string webhookSecret, ReadOnlySpan<byte> rawBody, string signature) =>
        Matches(ForWebhook(webhookSecret, rawBody), signature);

    private static string Hex(string secret, ReadOnlySpan<byte> message) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));

    private static bool Matches(string expected, string presented) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(presented));
}
