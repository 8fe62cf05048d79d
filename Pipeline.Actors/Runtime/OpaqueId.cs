using System.Security.Cryptography;

namespace Pipeline.Actors.Runtime;

/// <summary>Server-generated ids: a readable prefix and 128 random bits, so ids reachable without the admin key cannot be guessed.</summary>
public static class OpaqueId
{
    public static string New(string prefix)
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return prefix + "_" + Base64Url(bytes);
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
