namespace Pipeline.Host.Configuration;

internal static class ConfigurationSources
{
    /// <summary>
    /// Operator settings live in <c>config/</c> of the working directory, then environment variables, then the
    /// command line (the contract's order). Files are watched so live-tunable settings apply without a restart.
    /// </summary>
    public static void AddPipelineConfiguration(this WebApplicationBuilder builder, string[] args)
    {
        var directory = Path.Combine(Directory.GetCurrentDirectory(), "config");
        builder.Configuration
            .AddJsonFile(Path.Combine(directory, "pipeline.json"), optional: true, reloadOnChange: true)
            .AddJsonFile(Path.Combine(directory, $"pipeline.{builder.Environment.EnvironmentName}.json"), optional: true, reloadOnChange: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args);
    }
}
