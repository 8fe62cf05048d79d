using Pipeline.Host.Configuration;
using Pipeline.Streams.WhatsApp;

namespace Pipeline.Tests.Configuration;

/// <summary>The rules behind the start-up failures, one by one, with every failure of a setting named at once.</summary>
public sealed class WhatsAppOptionsValidatorTests
{
    private readonly WhatsAppOptionsValidator _validator = new();

    [Fact]
    public void Sandbox_needs_no_account()
    {
        Assert.True(_validator.Validate(null, new WhatsAppOptions { Mode = "sandbox" }).Succeeded);
    }

    [Fact]
    public void Live_with_token_and_phone_number_id_is_valid()
    {
        Assert.True(_validator.Validate(null, new WhatsAppOptions { AccessToken = "EAAG-token", PhoneNumberId = "123" }).Succeeded);
    }

    [Fact]
    public void Live_by_default_without_an_account_names_every_missing_key()
    {
        var result = _validator.Validate(null, new WhatsAppOptions { BaseUrl = "graph.facebook.com" });

        Assert.True(result.Failed);
        Assert.Equal(3, result.Failures!.Count());
        Assert.Contains(result.Failures!, f => f.StartsWith("Pipeline:WhatsApp:AccessToken is required in Live mode", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Pipeline:WhatsApp:PhoneNumberId is required in Live mode", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Pipeline:WhatsApp:BaseUrl must be an absolute http(s) URL", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_mode_is_refused_by_name()
    {
        var result = _validator.Validate(null, new WhatsAppOptions { Mode = "Test", AccessToken = "EAAG-token", PhoneNumberId = "123" });

        Assert.Equal("Pipeline:WhatsApp:Mode must be Live or Sandbox, not 'Test'.", Assert.Single(result.Failures!));
    }
}
