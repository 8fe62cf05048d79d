using System.Net;
using System.Net.Sockets;

namespace Pipeline.Streams.Webhooks;

/// <summary>
/// Why: an endpoint URL is chosen by whoever holds the admin key, and the service POSTs to it from inside the network,
/// so a URL naming an internal address (a database, the cloud metadata service at 169.254.169.254) would turn the
/// webhook sender into a way in (SSRF). The guard refuses URLs whose host is or resolves to a private, loopback,
/// link-local, unspecified, multicast or otherwise non-public address, unless private networks are allowed.
/// </summary>
/// <remarks>
/// The check runs twice: when the endpoint is created (<see cref="CheckUrlAsync"/>, a clear 400 for the admin), and on
/// every connection (<see cref="ConnectAsync"/>, the <see cref="SocketsHttpHandler.ConnectCallback"/>), which resolves the
/// host itself, checks every address and connects only to a checked address. A host that resolved to a public address
/// at creation and to an internal one later (DNS rebinding) is therefore refused when it matters.
/// </remarks>
public sealed class WebhookAddressGuard
{
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;

    /// <param name="allowPrivateNetworks">When true every address is allowed (tests, a private deployment).</param>
    /// <param name="resolve">Host name to addresses; <see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/> by default.</param>
    public WebhookAddressGuard(bool allowPrivateNetworks, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        AllowPrivateNetworks = allowPrivateNetworks;
        _resolve = resolve ?? Dns.GetHostAddressesAsync;
    }

    public bool AllowPrivateNetworks { get; }

    /// <summary>
    /// Why the URL may not be an endpoint, or null when it may: it must be an absolute http(s) URL with a host, and
    /// unless private networks are allowed, the host must resolve and every address it resolves to must be public.
    /// </summary>
    public async Task<string?> CheckUrlAsync(string url, CancellationToken cancellationToken = default)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return "must be an absolute http or https URL.";
        }
        if (uri.IdnHost.Length == 0)
        {
            return "must name a host.";
        }
        if (AllowPrivateNetworks)
        {
            return null;
        }
        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(uri.IdnHost, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            return $"host {uri.Host} does not resolve.";
        }
        if (addresses.Length == 0)
        {
            return $"host {uri.Host} does not resolve.";
        }
        return addresses.FirstOrDefault(IsForbidden) is { } forbidden
            ? $"must not point at a private, loopback, link-local or other internal address ({uri.Host} is {forbidden})."
            : null;
    }

    /// <summary>
    /// The connect step of the webhook HTTP client: resolves the host, refuses the connection when any address is not
    /// public (unless private networks are allowed), and connects to the checked addresses in turn.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var endpoint = context.DnsEndPoint;
        var addresses = await ResolveAsync(endpoint.Host, cancellationToken).ConfigureAwait(false);
        if (!AllowPrivateNetworks && addresses.FirstOrDefault(IsForbidden) is { } forbidden)
        {
            throw new WebhookAddressRefusedException(endpoint.Host, forbidden);
        }

        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException error)
            {
                socket.Dispose();
                last = error;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>
    /// True for every address a webhook must not reach: unspecified, "this network", private (10/8, 172.16/12,
    /// 192.168/16, fc00::/7), shared (100.64/10), loopback, link-local (169.254/16, fe80::/10), site-local, IETF
    /// protocol assignments (192.0.0/24), benchmarking (198.18/15), multicast, reserved and broadcast (240/4). IPv6
    /// forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by that address.
    /// </summary>
    public static bool IsForbidden(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return IsForbiddenV4(address.GetAddressBytes());
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return true;
        }
        var b = address.GetAddressBytes();
        if (address.IsIPv4MappedToIPv6)
        {
            return IsForbiddenV4(b[12..]);
        }
        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
        {
            return IsForbiddenV4(b[12..]); // :: and ::1 (as 0.0.0.0/8) and the deprecated IPv4-compatible ::a.b.c.d
        }
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return IsForbiddenV4(b[12..]); // NAT64 64:ff9b::/96
        }
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsForbiddenV4(b[2..6]); // 6to4 2002::/16
        }
        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal;
    }

    private static bool IsForbiddenV4(byte[] b) =>
        b[0] == 0 // 0.0.0.0/8: unspecified, "this network"
        || b[0] == 10
        || b[0] == 127
        || (b[0] == 100 && (b[1] & 0xC0) == 64)
        || (b[0] == 169 && b[1] == 254)
        || (b[0] == 172 && (b[1] & 0xF0) == 16)
        || (b[0] == 192 && b[1] == 168)
        || (b[0] == 192 && b[1] == 0 && b[2] == 0)
        || (b[0] == 198 && (b[1] & 0xFE) == 18)
        || b[0] >= 224; // 224/4 multicast, 240/4 reserved, 255.255.255.255 broadcast

    private async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        return IPAddress.TryParse(bare, out var literal) ? [literal] : await _resolve(bare, cancellationToken).ConfigureAwait(false);
    }
}
