namespace Pipeline.Tests.Payments;

/// <summary>
/// Razorpay signatures computed outside this code base (openssl, then checked with python3's hmac module), so a
/// mistake shared by <c>RazorpaySignature</c> and tests that sign with it cannot hide. The webhook body keeps a space
/// after one colon on purpose: the signature covers the raw bytes, and JSON re-encoded by a server would drop it.
/// </summary>
/// <remarks>
/// Computed with:
/// <code>
/// printf '%s' 'order_IluGWxBm9U8zJ8|pay_IH4NVgf4Dreq1l' | openssl dgst -sha256 -hmac 'EnLs21M47BllR3X8PSFtjtbd'
/// printf '%s' "$WEBHOOK_BODY" | openssl dgst -sha256 -hmac 'vector-webhook-secret-9f3Kp2LmQ7xR'
/// python3 -c "import hmac,hashlib,sys; print(hmac.new(KEY, MESSAGE, hashlib.sha256).hexdigest())"
/// </code>
/// </remarks>
public static class RazorpayTestVectors
{
    public const string KeyId = "rzp_test_VectorKeyId01";

    /// <summary>Checkout's key secret: signs <c>order_id|payment_id</c>.</summary>
    public const string KeySecret = "EnLs21M47BllR3X8PSFtjtbd";

    public const string OrderId = "order_IluGWxBm9U8zJ8";

    public const string PaymentId = "pay_IH4NVgf4Dreq1l";

    /// <summary>Lowercase hex HMAC-SHA256(<see cref="KeySecret"/>, <c>"order_IluGWxBm9U8zJ8|pay_IH4NVgf4Dreq1l"</c>).</summary>
    public const string PaymentSignature = "c7a6b6e37e5fb8b5387cd93cff2f9cedbf5cb78112fd50292c56b4cecb49b80d";

    /// <summary>The webhook secret: signs the raw webhook body.</summary>
    public const string WebhookSecret = "vector-webhook-secret-9f3Kp2LmQ7xR";

    /// <summary>A <c>payment.captured</c> webhook for <see cref="OrderId"/> and <see cref="PaymentId"/>, 49900 INR (324 bytes).</summary>
    public const string WebhookBody = """{"entity":"event","account_id":"acc_BFQ7uQEaa7j2z7","event":"payment.captured","contains":["payment"],"payload":{"payment":{"entity":{"id":"pay_IH4NVgf4Dreq1l","entity":"payment","amount": 49900,"currency":"INR","status":"captured","order_id":"order_IluGWxBm9U8zJ8","method":"upi","captured":true}}},"created_at":1767225600}""";

    /// <summary>Lowercase hex HMAC-SHA256(<see cref="WebhookSecret"/>, the UTF-8 bytes of <see cref="WebhookBody"/>).</summary>
    public const string WebhookSignature = "63efea0895f6f97e82bb152772727eb771847d3bc29e0146ea9eb336918e8488";

    public const long Amount = 49900;

    public const string Currency = "INR";

    /// <summary><paramref name="text"/> with its last character replaced by another of the same alphabet: a one-character change.</summary>
    public static string ChangeLast(string text) => text[..^1] + (text[^1] == '0' ? '1' : '0');
}
