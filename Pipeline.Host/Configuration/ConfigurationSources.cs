using Microsoft.Extensions.FileProviders;

namespace Pipeline.Host.Configuration;

internal static class ConfigurationSources
{
    /// <summary>
    /// Operator settings live in <c>config/</c> of the working directory, then environment variables, then the
    /// command line (the contract's order). Files are watched so live-tunable settings apply without a restart.
    /// </summary>
    /// <remarks>
    /// Both files are read through one file provider on <c>config/</c>, disposed with the host. Given bare absolute
    /// paths, each file would get a provider of its own that nothing disposes, each holding an inotify instance (the
    /// user's limit is 128), and without a <c>config/</c> directory it would watch the whole working directory tree.
    /// </remarks>
    public static void AddPipelineConfiguration(this WebApplicationBuilder builder, string[] args)
    {
        var directory = Path.Combine(Directory.GetCurrentDirectory(), "config");
        if (Directory.Exists(directory))
        {
            var files = new PhysicalFileProvider(directory);
            builder.Services.AddHostedService(_ => new FileProviderLifetime(files));
            builder.Configuration
                .AddJsonFile(files, "pipeline.json", optional: true, reloadOnChange: true)
                .AddJsonFile(files, $"pipeline.{builder.Environment.EnvironmentName}.json", optional: true, reloadOnChange: true);
        }
        builder.Configuration
            .AddEnvironmentVariables()
            .AddCommandLine(args);
    }

    /// <summary>Disposes the config directory's provider (and its watcher) when the host is disposed.</summary>
    private sealed class FileProviderLifetime(PhysicalFileProvider files) : IHostedService, IDisposable
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose() => files.Dispose();
    }
}
