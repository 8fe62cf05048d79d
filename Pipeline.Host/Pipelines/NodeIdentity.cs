using Microsoft.Extensions.Options;
using Pipeline.Host.Configuration;

namespace Pipeline.Host.Pipelines;

/// <summary>This node's name in leases and the cluster view: <c>Pipeline:Node:Name</c>, else host name and port.</summary>
public sealed class NodeIdentity(IOptions<NodeOptions> options, IConfiguration configuration)
{
    public string Name { get; } = options.Value.Name is { Length: > 0 } name ? name : Default(configuration);

    private static string Default(IConfiguration configuration)
    {
        var urls = configuration["urls"] ?? configuration["ASPNETCORE_URLS"] ?? "";
        var first = urls.Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        var port = first is not null && Uri.TryCreate(first.Replace("*", "localhost").Replace("+", "localhost"), UriKind.Absolute, out var uri)
            ? uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : "pid" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"{Environment.MachineName}:{port}";
    }
}
