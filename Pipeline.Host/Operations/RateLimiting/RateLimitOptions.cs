using Microsoft.Extensions.Options;

namespace Pipeline.Host.Operations.RateLimiting;

/// <summary><c>Pipeline:RateLimits</c>: requests per client (admin key, else remote IP) in any sliding minute.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Pipeline:RateLimits";

    /// <summary>False turns limiting off entirely (behind a gateway that limits, or a load test).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>GET /api/events, GET /api/events/{id}, GET /api/public/**.</summary>
    public int PublicReadsPerMinute { get; set; } = 100;

    /// <summary>POST /api/public/** (orders, confirm-payment).</summary>
    public int PublicWritesPerMinute { get; set; } = 30;

    /// <summary>POST /api/batches/{id}/consume, per admin key.</summary>
    public int BatchConsumePerMinute { get; set; } = 20;
}

internal sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var errors = new List<string>();
        Check(nameof(options.PublicReadsPerMinute), options.PublicReadsPerMinute);
        Check(nameof(options.PublicWritesPerMinute), options.PublicWritesPerMinute);
        Check(nameof(options.BatchConsumePerMinute), options.BatchConsumePerMinute);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

        void Check(string key, int value)
        {
            if (value is < 1 or > 1_000_000)
            {
                errors.Add($"{RateLimitOptions.Section}:{key} must be between 1 and 1000000, not {value}.");
            }
        }
    }
}
