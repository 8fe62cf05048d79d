using Microsoft.Extensions.Primitives;

namespace Pipeline.Host.Pipelines;

/// <summary>
/// Pushes edits of <c>Pipeline:Pipelines:{name}</c> in <c>config/</c> into the running pipelines, without a restart:
/// on every configuration reload it applies the keys whose value changed since the last reload, and only those. So a
/// value set through the admin API stays until the file's own value for that key changes, an unrelated edit (logging,
/// another pipeline) resets nothing, and a key removed from the file leaves the running value alone.
/// </summary>
/// <remarks>
/// A pipeline whose section has any unreadable or out-of-range key is not touched at all: the error names the key and
/// the running values stay, and the file is compared again on the next reload. A JSON file that fails to parse looks to
/// the configuration system like a file without keys, which by the rule above changes nothing either.
/// </remarks>
internal sealed class PipelineSettingsReloader(PipelineRegistry registry, IConfiguration configuration, ILogger<PipelineSettingsReloader> logger)
    : IHostedService, IDisposable
{
    /// <summary>Serializes reloads (file watchers can fire twice for one save) and guards <see cref="_seen"/>.</summary>
    private readonly Lock _lock = new();

    /// <summary>Per pipeline, the keys the configuration held at the last reload that was applied.</summary>
    private readonly Dictionary<string, PipelineSettingsPatch> _seen = new(StringComparer.Ordinal);

    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // The registry was built from this configuration: what it holds now is the baseline, already applied.
            foreach (var pipeline in registry.All)
            {
                var configured = PipelineSettingsSection.Read(configuration, pipeline.Name, out var errors);
                _seen[pipeline.Name] = errors.Count == 0 ? configured : PipelineSettingsPatch.None;
            }
        }
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _subscription = null;
    }

    /// <summary>Applies what the configuration changed; also the test's entry point, without waiting for a file watcher.</summary>
    internal void Reload()
    {
        lock (_lock)
        {
            foreach (var pipeline in registry.All)
            {
                var configured = PipelineSettingsSection.Read(configuration, pipeline.Name, out var errors);
                if (errors.Count > 0)
                {
                    logger.LogError(
                        "Configuration change for pipeline {Pipeline} ignored: {Errors} The running settings stay {Settings}",
                        pipeline.Name, string.Join(" ", errors), pipeline.Settings.Current);
                    continue;
                }
                var changed = configured.ChangedSince(_seen[pipeline.Name]);
                _seen[pipeline.Name] = configured;
                if (changed.IsEmpty)
                {
                    continue;
                }
                try
                {
                    pipeline.Settings.Update(changed.ApplyTo);
                    logger.LogInformation("Pipeline {Pipeline} settings changed by configuration: {Change}; now {Settings}",
                        pipeline.Name, changed, pipeline.Settings.Current);
                }
                catch (Exception error)
                {
                    logger.LogError(error, "Applying the configuration change for pipeline {Pipeline} ({Change}) failed; the running settings are {Settings}",
                        pipeline.Name, changed, pipeline.Settings.Current);
                }
            }
        }
    }
}
