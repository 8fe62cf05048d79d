using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Streams.Webhooks;

/// <summary>
/// Standard Webhooks v1 signatures (standard-webhooks <c>spec/standard-webhooks.md</c>): the key is the base64 after
/// <c>whsec_</c>, the signed content is <c>{id}.{timestamp}.{body}</c> over the exact bytes sent, and the header value is
/// <c>v1,</c> + base64 of its HMAC-SHA256.
/// </summary>
public static class WebhookSigner
{
    public const string SecretPrefix = "whsec_";

    /// <summary>Random bytes in a new secret; the spec asks for 24 to 64.</summary>
    public const int SecretBytes = 32;

    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes));

    /// <summary>The HMAC key of a secret, with or without its <c>whsec_</c> prefix. Throws <see cref="FormatException"/> for one that is not base64.</summary>
    public static byte[] KeyOf(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var encoded = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        return Convert.FromBase64String(encoded);
    }

    /// <summary>The <c>webhook-signature</c> value for one attempt.</summary>
    /// <param name="timestamp">Unix seconds of this attempt, as sent in <c>webhook-timestamp</c>.</param>
    public static string Sign(string secret, string messageId, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        // The parts are joined with dots, so a dot inside the id would make two different messages sign the same content.
        if (messageId.Contains('.', StringComparison.Ordinal))
        {
            throw new ArgumentException("A webhook id must not contain '.'.", nameof(messageId));
        }
        var prefix = Encoding.UTF8.GetBytes(messageId + "." + timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(KeyOf(secret), content));
    }

    public static string Sign(string secret, string messageId, DateTimeOffset timestamp, string body) =>
        Sign(secret, messageId, timestamp.ToUnixTimeSeconds(), Encoding.UTF8.GetBytes(body));
}
