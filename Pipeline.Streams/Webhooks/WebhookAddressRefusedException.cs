using System.Net;

namespace Pipeline.Streams.Webhooks;

/// <summary>A webhook connection refused by <see cref="WebhookAddressGuard"/>: the host resolved to an address that is not public.</summary>
public sealed class WebhookAddressRefusedException(string host, IPAddress address)
    : Exception($"{host} resolves to {address}, which is not a public address; webhooks are not sent there.")
{
    public IPAddress Address { get; } = address;
}
