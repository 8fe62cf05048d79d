using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Pipeline.Host.Configuration;

namespace Pipeline.Host.Operations.RateLimiting;

/// <summary>
/// Who a request counts against: the admin key when the request presents the right one, else the remote address.
/// The key never appears itself: its partition is named by a short SHA-256 prefix, safe to log. A wrong key counts
/// against the address, so inventing keys buys no fresh windows. IPv6 clients are counted per /64, the block one
/// subscriber usually holds, so rotating addresses inside it buys none either.
/// </summary>
/// <remarks>Forwarded headers are not trusted: behind a proxy, configure ASP.NET Core's forwarded-headers middleware first.</remarks>
internal sealed class ClientKey(IOptions<AdminOptions> admin)
{
    private readonly byte[] _adminHash = SHA256.HashData(Encoding.UTF8.GetBytes(admin.Value.ApiKey));

    public string Of(HttpContext context)
    {
        const string scheme = "Bearer ";
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
            if (CryptographicOperations.FixedTimeEquals(presented, _adminHash))
            {
                return "key:" + Convert.ToHexStringLower(_adminHash, 0, 8);
            }
        }
        return "ip:" + AddressOf(context.Connection.RemoteIpAddress);
    }

    private static string AddressOf(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
