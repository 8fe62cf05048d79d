using Microsoft.Extensions.Options;

namespace Pipeline.Host.Operations.Logging;

/// <summary>
/// <c>Pipeline:RequestLog</c>: which requests get a line at Information or above. A line for every request costs
/// about a quarter of a hot endpoint's throughput (bench/README.md, "Request logs"), so by default only what an operator
/// acts on is written: server errors, slow requests and a sample. Every other request is written at Debug: set
/// <c>Logging:LogLevel:Pipeline.Host.Operations.Logging=Debug</c> to see them all.
/// </summary>
public sealed class RequestLogOptions
{
    public const string Section = "Pipeline:RequestLog";

    /// <summary>A request that takes at least this long is written at Warning. Default 1 s; zero writes every request.</summary>
    public TimeSpan SlowAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>One request in this many is written at Information, so the log shows traffic flowing. Default 1000; 0 samples none, 1 writes all.</summary>
    public int SampleOneIn { get; set; } = 1000;
}

internal sealed class RequestLogOptionsValidator : IValidateOptions<RequestLogOptions>
{
    public ValidateOptionsResult Validate(string? name, RequestLogOptions options)
    {
        var errors = new List<string>();
        if (options.SlowAfter < TimeSpan.Zero)
        {
            errors.Add($"{RequestLogOptions.Section}:{nameof(options.SlowAfter)} must not be negative, not {options.SlowAfter}.");
        }
        if (options.SampleOneIn < 0)
        {
            errors.Add($"{RequestLogOptions.Section}:{nameof(options.SampleOneIn)} must be 0 (none) or more, not {options.SampleOneIn}.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
