using Microsoft.Extensions.Options;
using Pipeline.Streams.Webhooks;

namespace Pipeline.Host.Webhooks;

/// <summary>Start-up fails with a message naming the key when a <c>Pipeline:Webhooks</c> setting is out of range.</summary>
internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException error)
        {
            return ValidateOptionsResult.Fail(error.Message);
        }
    }
}
