using Pipeline.Streams.Graph;
using Pipeline.Streams.Pipelines;

namespace Pipeline.Host.Pipelines;

/// <summary>The live controls of every pipeline this node runs, by name: what the admin API and config reloads turn.</summary>
public sealed class PipelineRegistry
{
    private readonly Dictionary<string, PipelineControl> _controls;

    public PipelineRegistry(IConfiguration configuration)
    {
        _controls = PipelineNames.All.ToDictionary(
            name => name,
            name => new PipelineControl(name, Initial(configuration, name)),
            StringComparer.Ordinal);
    }

    public IReadOnlyCollection<PipelineControl> All => _controls.Values;

    public PipelineControl this[string name] => _controls[name];

    public bool TryGet(string name, out PipelineControl control) => _controls.TryGetValue(name, out control!);

    /// <summary>Defaults per pipeline: WhatsApp's 80 messages/s is Meta's default throughput for a business number.</summary>
    public static PipelineSettings Defaults(string name) => name switch
    {
        PipelineNames.Tickets => new PipelineSettings(RatePerSecond: 200, Parallelism: 2, BufferSize: 64, Paused: false),
        PipelineNames.WhatsApp => new PipelineSettings(RatePerSecond: 80, Parallelism: 16, BufferSize: 64, Paused: false),
        // Exports are heavy reads: two at a time per node. Jobs are claimed one per free slot, so rate and buffer go unused.
        PipelineNames.Jobs => new PipelineSettings(RatePerSecond: 10, Parallelism: 2, BufferSize: 4, Paused: false),
        _ => new PipelineSettings(RatePerSecond: 500, Parallelism: 32, BufferSize: 256, Paused: false),
    };

    /// <summary>The defaults overlaid with the keys configured under <c>Pipeline:Pipelines:{name}</c>; start-up fails naming each bad key.</summary>
    private static PipelineSettings Initial(IConfiguration configuration, string name)
    {
        var configured = PipelineSettingsSection.Read(configuration, name, out var errors);
        return errors.Count == 0
            ? configured.ApplyTo(Defaults(name))
            : throw new InvalidOperationException($"Invalid pipeline settings: {string.Join(" ", errors)}");
    }
}
