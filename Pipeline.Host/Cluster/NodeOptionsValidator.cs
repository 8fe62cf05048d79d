using Microsoft.Extensions.Options;
using Pipeline.Host.Configuration;

namespace Pipeline.Host.Cluster;

/// <summary>Start-up fails naming the key when the heartbeat settings could never work.</summary>
internal sealed class NodeOptionsValidator : IValidateOptions<NodeOptions>
{
    public ValidateOptionsResult Validate(string? name, NodeOptions options)
    {
        if (options.HeartbeatInterval <= TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail($"{NodeOptions.Section}:HeartbeatInterval must be above zero, not {options.HeartbeatInterval}.");
        }
        // At least one beat must be able to land inside the horizon, or every node flickers between up and gone.
        return options.GoneAfter > options.HeartbeatInterval
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{NodeOptions.Section}:GoneAfter ({options.GoneAfter}) must be longer than {NodeOptions.Section}:HeartbeatInterval ({options.HeartbeatInterval}); three intervals is usual.");
    }
}
