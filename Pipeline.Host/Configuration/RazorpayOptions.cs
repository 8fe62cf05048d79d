using Microsoft.Extensions.Options;

namespace Pipeline.Host.Configuration;

/// <summary><c>Pipeline:Razorpay</c>.</summary>
public sealed class RazorpayOptions
{
    public const string Section = "Pipeline:Razorpay";
    public const string SandboxMode = "Sandbox";
    public const string LiveMode = "Live";

    /// <summary><c>Sandbox</c> (order ids made locally; default) or <c>Live</c> (Razorpay's Orders API).</summary>
    public string Mode { get; set; } = SandboxMode;

    /// <summary>Public key id handed to checkout (<c>rzp_...</c>).</summary>
    public string KeyId { get; set; } = "";

    /// <summary>Signs checkout confirmations (<c>order_id|payment_id</c>) and authenticates Orders API calls. Required.</summary>
    public string KeySecret { get; set; } = "";

    /// <summary>Signs Razorpay's webhooks (raw body). Required.</summary>
    public string WebhookSecret { get; set; } = "";

    public string BaseUrl { get; set; } = "https://api.razorpay.com/v1";

    /// <summary>Timeout of one Orders API call. Default 10 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool IsLive => string.Equals(Mode, LiveMode, StringComparison.OrdinalIgnoreCase);
}

internal sealed class RazorpayOptionsValidator : IValidateOptions<RazorpayOptions>
{
    public ValidateOptionsResult Validate(string? name, RazorpayOptions options)
    {
        var failures = new List<string>();
        if (!string.Equals(options.Mode, RazorpayOptions.SandboxMode, StringComparison.OrdinalIgnoreCase) && !options.IsLive)
        {
            failures.Add($"{RazorpayOptions.Section}:Mode must be Sandbox or Live, not '{options.Mode}'.");
        }
        if (string.IsNullOrWhiteSpace(options.KeySecret))
        {
            failures.Add($"{RazorpayOptions.Section}:KeySecret is required (Pipeline__Razorpay__KeySecret).");
        }
        if (string.IsNullOrWhiteSpace(options.WebhookSecret))
        {
            failures.Add($"{RazorpayOptions.Section}:WebhookSecret is required (Pipeline__Razorpay__WebhookSecret).");
        }
        if (options.IsLive && string.IsNullOrWhiteSpace(options.KeyId))
        {
            failures.Add($"{RazorpayOptions.Section}:KeyId is required in Live mode.");
        }
        if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out _))
        {
            failures.Add($"{RazorpayOptions.Section}:BaseUrl must be an absolute URL.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
