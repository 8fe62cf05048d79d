using Pipeline.Tests.Storage;

namespace Pipeline.Tests.Support;

/// <summary>The settings every test host process needs: its storage, admin key and secrets, rate limits off.</summary>
public static class HostSettings
{
    /// <summary>Those settings, then <paramref name="extra"/> (which wins on a shared key).</summary>
    public static Dictionary<string, string> For(TestDatabase database, string adminKey, Dictionary<string, string> extra)
    {
        var settings = new Dictionary<string, string>
        {
            ["Pipeline:Storage:Provider"] = database.Provider,
            ["Pipeline:Storage:ConnectionString"] = database.ConnectionString,
            ["Pipeline:Admin:ApiKey"] = adminKey,
            ["Pipeline:Razorpay:KeySecret"] = PipelineApp.RazorpayKeySecret,
            ["Pipeline:Razorpay:WebhookSecret"] = PipelineApp.RazorpayWebhookSecret,
            ["Pipeline:Tickets:SigningKey"] = PipelineApp.TicketSigningKey,
            ["Pipeline:RateLimits:Enabled"] = "false",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }
        return settings;
    }
}
