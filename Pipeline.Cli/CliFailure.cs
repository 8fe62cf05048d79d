namespace Pipeline.Cli;

/// <summary>Ends a command with one line on standard error and an exit code from <see cref="ExitCodes"/>.</summary>
internal sealed class CliFailure(string message, int exitCode = ExitCodes.Failed) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
