using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Streams.Tickets;

/// <summary>What a verified ticket token says. <see cref="IssuedAt"/> has whole-second precision.</summary>
public sealed record TicketClaims(string RegistrationId, string EventId, DateTimeOffset IssuedAt);

/// <summary>
/// Creates and verifies ticket tokens: <c>v1.&lt;base64url(payload)&gt;.&lt;base64url(HMAC-SHA256(key, "v1." + base64url(payload)))&gt;</c>
/// with payload <c>registrationId|eventId|unixSeconds</c> in UTF-8. The token is self-contained so check-in can
/// verify it without a database read, and short (about 130 characters for the service's ids) so the QR code stays small.
/// </summary>
/// <remarks>
/// The MAC covers the payload exactly as it is spelled in the token, and the signature is compared as text with its
/// canonical encoding, so any change to any character of the token (padding, whitespace, non-canonical base64
/// trailing bits included) makes it invalid. Instances are immutable and safe to share between threads.
/// </remarks>
public sealed class TicketToken
{
    /// <summary>Tokens longer than this are rejected before any work; real ones are far shorter.</summary>
    public const int MaxLength = 512;

    /// <summary>The smallest signing key accepted, in UTF-8 bytes (128 bits).</summary>
    public const int MinKeyBytes = 16;

    private const string Version = "v1";
    private const string Prefix = Version + ".";
    private const char FieldSeparator = '|';

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[] _key;

    /// <param name="signingKey">The value of <c>Pipeline:Tickets:SigningKey</c>; at least <see cref="MinKeyBytes"/> bytes of UTF-8.</param>
    public TicketToken(string signingKey)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        var key = Encoding.UTF8.GetBytes(signingKey);
        if (key.Length < MinKeyBytes)
            throw new ArgumentException($"The ticket signing key must be at least {MinKeyBytes} bytes long.", nameof(signingKey));
        _key = key;
    }

    /// <summary>Issues a token for a registration of an event.</summary>
    /// <exception cref="ArgumentException">An id is empty or contains '|', or <paramref name="issuedAt"/> is before 1970.</exception>
    public string Create(string registrationId, string eventId, DateTimeOffset issuedAt)
    {
        RequireId(registrationId, nameof(registrationId));
        RequireId(eventId, nameof(eventId));
        var seconds = issuedAt.ToUnixTimeSeconds();
        if (seconds < 0)
            throw new ArgumentOutOfRangeException(nameof(issuedAt), "The issue time must not be before 1970.");

        var payload = string.Join(FieldSeparator, registrationId, eventId, seconds.ToString(CultureInfo.InvariantCulture));
        var encodedPayload = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));
        var token = Prefix + encodedPayload + "." + Sign(encodedPayload);
        if (token.Length > MaxLength)
            throw new ArgumentException($"The ids are too long for a ticket token of at most {MaxLength} characters.", nameof(registrationId));
        return token;
    }

    /// <summary>The claims of a genuine token; <c>null</c> for anything else (forged, altered, truncated, garbage, null). Never throws.</summary>
    public TicketClaims? Verify(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxLength || !token.StartsWith(Prefix, StringComparison.Ordinal))
            return null;

        var rest = token.AsSpan(Prefix.Length);
        var dot = rest.IndexOf('.');
        if (dot <= 0)
            return null;
        var encodedPayload = rest[..dot];
        var signature = rest[(dot + 1)..];
        if (!IsBase64UrlText(encodedPayload) || !IsBase64UrlText(signature))
            return null;

        // Both sides are pure ASCII here, so comparing their chars' low bytes compares the texts.
        var expected = Sign(encodedPayload);
        if (!FixedTimeEquals(expected, signature))
            return null;

        return ParsePayload(encodedPayload);
    }

    /// <summary>
    /// <see cref="Verify"/> plus the check that the ticket belongs to <paramref name="expectedEventId"/>: a genuine
    /// ticket of another event is as invalid as a forged one at check-in.
    /// </summary>
    public TicketClaims? VerifyForEvent(string? token, string expectedEventId)
    {
        var claims = Verify(token);
        return claims is not null && string.Equals(claims.EventId, expectedEventId, StringComparison.Ordinal) ? claims : null;
    }

    private string Sign(ReadOnlySpan<char> encodedPayload)
    {
        Span<byte> message = stackalloc byte[Prefix.Length + encodedPayload.Length];
        Encoding.ASCII.GetBytes(Prefix, message);
        Encoding.ASCII.GetBytes(encodedPayload, message[Prefix.Length..]);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, message, mac);
        return Base64Url.EncodeToString(mac);
    }

    private static bool FixedTimeEquals(string expected, ReadOnlySpan<char> actual)
    {
        if (expected.Length != actual.Length)
            return false;
        Span<byte> a = stackalloc byte[expected.Length];
        Span<byte> b = stackalloc byte[actual.Length];
        for (var i = 0; i < expected.Length; i++)
        {
            a[i] = (byte)expected[i];
            b[i] = (byte)actual[i];
        }
        return CryptographicOperations.FixedTimeEquals(a, b);
    }

    // Strictly the unpadded base64url alphabet: the decoders also accept whitespace and padding, which must not
    // make a second spelling of a token valid.
    private static bool IsBase64UrlText(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is not ((>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_'))
                return false;
        }
        return true;
    }

    private static TicketClaims? ParsePayload(ReadOnlySpan<char> encodedPayload)
    {
        // Only reached with a valid MAC, i.e. for text this class wrote, but it stays defensive all the same.
        var bytes = new byte[Base64Url.GetMaxDecodedLength(encodedPayload.Length)];
        if (!Base64Url.TryDecodeFromChars(encodedPayload, bytes, out var written))
            return null;

        string payload;
        try
        {
            payload = StrictUtf8.GetString(bytes, 0, written);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var fields = payload.Split(FieldSeparator);
        if (fields.Length != 3 || fields[0].Length == 0 || fields[1].Length == 0)
            return null;
        if (!long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            return null;

        return new TicketClaims(fields[0], fields[1], DateTimeOffset.FromUnixTimeSeconds(seconds));
    }

    private static void RequireId(string id, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(id, name);
        if (id.Contains(FieldSeparator, StringComparison.Ordinal))
            throw new ArgumentException($"A ticket id must not contain '{FieldSeparator}'.", name);
    }
}
