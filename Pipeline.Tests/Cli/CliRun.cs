using Pipeline.Cli;

namespace Pipeline.Tests.Cli;

/// <summary>One run of the <c>pipeline</c> tool in this process: its exit code and what it printed.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error)
{
    /// <summary>Runs the tool with <paramref name="args"/> and no environment variables, so the machine's PIPELINE_* never leak in.</summary>
    public static async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string>? environment, HttpMessageHandler? handler, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await PipelineCli.RunAsync(args, output, error,
            name => environment is not null && environment.TryGetValue(name, out var value) ? value : null, handler);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    public static Task<CliRun> RunAsync(params string[] args) => RunAsync(null, null, args);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
