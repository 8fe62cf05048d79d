using Microsoft.Extensions.Options;
using Pipeline.Streams.WhatsApp;

namespace Pipeline.Host.Configuration;

/// <summary>
/// Start-up fails naming the key when <c>Live</c> mode lacks what sending needs: a deployment that forgot its token
/// must not quietly record tickets instead of sending them. Development's missing token was already made
/// <c>Sandbox</c> (<see cref="WhatsAppDevelopmentDefaults"/>), so only other environments get here without one.
/// </summary>
internal sealed class WhatsAppOptionsValidator : IValidateOptions<WhatsAppOptions>
{
    private const string Section = WhatsAppOptions.Section;

    public ValidateOptionsResult Validate(string? name, WhatsAppOptions options)
    {
        if (!options.IsLive && !options.IsSandbox)
        {
            return ValidateOptionsResult.Fail($"{Section}:Mode must be Live or Sandbox, not '{options.Mode}'.");
        }
        if (options.IsSandbox)
        {
            return ValidateOptionsResult.Success;
        }
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.AccessToken))
        {
            failures.Add($"{Section}:AccessToken is required in Live mode (the default): set Pipeline__WhatsApp__AccessToken to the " +
                $"Cloud API token, or set {Section}:Mode to Sandbox to record ticket messages locally without sending them.");
        }
        if (string.IsNullOrWhiteSpace(options.PhoneNumberId))
        {
            failures.Add($"{Section}:PhoneNumberId is required in Live mode (Pipeline__WhatsApp__PhoneNumberId).");
        }
        if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
        {
            failures.Add($"{Section}:BaseUrl must be an absolute http(s) URL, not '{options.BaseUrl}'.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
