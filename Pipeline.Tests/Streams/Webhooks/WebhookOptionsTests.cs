using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.Host.Webhooks;
using Pipeline.Streams.Webhooks;

namespace Pipeline.Tests.Streams.Webhooks;

public sealed class WebhookOptionsTests
{
    [Fact]
    public void Without_configuration_the_defaults_are_the_contracts()
    {
        var options = Bind([]);

        Assert.Equal(WebhookOptions.DefaultRetryDelays, options.RetryDelays);
        Assert.Equal(TimeSpan.FromSeconds(15), options.AttemptTimeout);
        Assert.False(options.AllowPrivateNetworks);
        Assert.Equal(4, options.MaxInFlightPerEndpoint);
    }

    /// <summary>The binder appends to a list that already has items; the default is applied after binding instead.</summary>
    [Fact]
    public void Configured_retry_delays_replace_the_default_list_rather_than_extend_it()
    {
        var options = Bind(new()
        {
            ["Pipeline:Webhooks:RetryDelays:0"] = "00:00:10",
            ["Pipeline:Webhooks:RetryDelays:1"] = "00:01:00",
            ["Pipeline:Webhooks:AttemptTimeout"] = "00:00:30",
            ["Pipeline:Webhooks:AllowPrivateNetworks"] = "true",
        });

        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1)], options.RetryDelays);
        Assert.Equal(TimeSpan.FromSeconds(30), options.AttemptTimeout);
        Assert.True(options.AllowPrivateNetworks);
    }

    [Theory]
    [InlineData("Pipeline:Webhooks:AttemptTimeout", "00:00:00", "AttemptTimeout")]
    [InlineData("Pipeline:Webhooks:AttemptTimeout", "00:10:00", "AttemptTimeout")]
    [InlineData("Pipeline:Webhooks:RetryDelays:0", "-00:00:01", "RetryDelays")]
    [InlineData("Pipeline:Webhooks:MaxInFlightPerEndpoint", "0", "MaxInFlightPerEndpoint")]
    [InlineData("Pipeline:Webhooks:BreakerFailureRatio", "1.5", "BreakerFailureRatio")]
    [InlineData("Pipeline:Webhooks:BreakerMinimumThroughput", "1", "BreakerMinimumThroughput")]
    [InlineData("Pipeline:Webhooks:BreakerBreakDuration", "00:00:00.1", "BreakerBreakDuration")]
    public void An_out_of_range_setting_fails_naming_its_key(string key, string value, string named)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new() { [key] = value }));

        Assert.Contains("Pipeline:Webhooks:" + named, error.Message);
    }

    private static WebhookOptions Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddPipelineWebhooks();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<WebhookOptions>>().Value;
    }
}
