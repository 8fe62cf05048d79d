using System.Net;
using Pipeline.Streams.Webhooks;

namespace Pipeline.Tests.Streams.Webhooks;

public sealed class WebhookAddressGuardTests
{
    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("10.255.255.255")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.254")]
    [InlineData("192.168.1.1")]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("169.254.169.254")] // cloud metadata
    [InlineData("169.254.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("100.64.0.1")]
    [InlineData("192.0.0.1")]
    [InlineData("198.18.0.1")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("febf::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:10.0.0.1")] // IPv4-mapped
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("64:ff9b::a9fe:a9fe")] // NAT64 of 169.254.169.254
    [InlineData("2002:0a00:0001::1")] // 6to4 of 10.0.0.1
    public void Internal_addresses_are_forbidden(string address) =>
        Assert.True(WebhookAddressGuard.IsForbidden(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("8.8.8.8")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.1")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("169.253.1.1")]
    [InlineData("192.169.0.1")]
    [InlineData("223.255.255.254")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001::200e")]
    [InlineData("::ffff:93.184.216.34")]
    [InlineData("64:ff9b::5db8:d822")] // NAT64 of 93.184.216.34
    public void Public_addresses_are_allowed(string address) =>
        Assert.False(WebhookAddressGuard.IsForbidden(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("https://10.1.2.3/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[fd00::1]:9000/hook")]
    [InlineData("http://[::ffff:192.168.0.1]/hook")]
    [InlineData("http://localhost:5000/hook")] // resolves to loopback through the resolver
    [InlineData("http://0x7f000001/hook")] // 127.0.0.1 spelled as one hex number
    [InlineData("http://2130706433/hook")] // and as one decimal number
    public async Task Urls_of_internal_hosts_are_refused(string url) =>
        Assert.Contains("private, loopback, link-local", await new WebhookAddressGuard(allowPrivateNetworks: false).CheckUrlAsync(url));

    [Theory]
    [InlineData("ftp://93.184.216.34/hook")]
    [InlineData("file:///etc/passwd")]
    [InlineData("javascript:alert(1)")]
    [InlineData("/relative/hook")]
    [InlineData("not a url")]
    public async Task Urls_that_are_not_absolute_http_are_refused(string url) =>
        Assert.Equal("must be an absolute http or https URL.", await new WebhookAddressGuard(allowPrivateNetworks: false).CheckUrlAsync(url));

    [Fact]
    public async Task A_public_address_is_accepted_and_private_ones_are_when_private_networks_are_allowed()
    {
        Assert.Null(await new WebhookAddressGuard(allowPrivateNetworks: false).CheckUrlAsync("https://93.184.216.34/hook"));
        Assert.Null(await new WebhookAddressGuard(allowPrivateNetworks: true).CheckUrlAsync("http://127.0.0.1:8080/hook"));
        Assert.Null(await new WebhookAddressGuard(allowPrivateNetworks: true).CheckUrlAsync("http://localhost/hook"));
    }

    [Fact]
    public async Task A_host_that_resolves_to_one_internal_address_among_public_ones_is_refused()
    {
        var guard = new WebhookAddressGuard(false, (_, _) => Task.FromResult(new[] { IPAddress.Parse("93.184.216.34"), IPAddress.Parse("10.0.0.7") }));

        Assert.Contains("10.0.0.7", await guard.CheckUrlAsync("https://hooks.example.com/in"));
    }

    [Fact]
    public async Task A_host_that_does_not_resolve_is_refused()
    {
        var guard = new WebhookAddressGuard(false, (_, _) => Task.FromResult(Array.Empty<IPAddress>()));

        Assert.Contains("does not resolve", await guard.CheckUrlAsync("https://nowhere.example/in"));
    }
}
