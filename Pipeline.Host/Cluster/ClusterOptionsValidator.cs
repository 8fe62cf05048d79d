using Akka.Actor;
using Microsoft.Extensions.Options;
using Pipeline.Host.Configuration;

namespace Pipeline.Host.Cluster;

/// <summary>Start-up fails naming the key when the cluster settings could never work.</summary>
internal sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Hostname))
        {
            errors.Add($"{ClusterOptions.Section}:Hostname is required: the host name or IP other nodes reach this one at.");
        }
        if (options.Port is < 0 or > 65535)
        {
            errors.Add($"{ClusterOptions.Section}:Port must be 0 (any free port) to 65535, not {options.Port}.");
        }
        if (options.JoinTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{ClusterOptions.Section}:JoinTimeout must be above zero, not {options.JoinTimeout}.");
        }
        if (options.SplitBrainStrategy is not (ClusterOptions.LeaseMajority or ClusterOptions.KeepMajority or ClusterOptions.KeepOldest))
        {
            errors.Add($"{ClusterOptions.Section}:SplitBrainStrategy must be {ClusterOptions.LeaseMajority}, {ClusterOptions.KeepMajority} or {ClusterOptions.KeepOldest}, not '{options.SplitBrainStrategy}'.");
        }
        for (var i = 0; i < options.SeedNodes.Length; i++)
        {
            if (SeedError(options.SeedNodes[i]) is { } error)
            {
                errors.Add($"{ClusterOptions.Section}:SeedNodes:{i} ('{options.SeedNodes[i]}') {error}; expected akka.tcp://pipeline@host:port.");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static string? SeedError(string seed)
    {
        try
        {
            var address = Address.Parse(seed);
            return address.Host is null || address.Port is null ? "has no host and port" : null;
        }
        catch (Exception error) when (error is UriFormatException or ArgumentException or FormatException)
        {
            return "is not an Akka address";
        }
    }
}
