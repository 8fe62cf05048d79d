namespace Pipeline.Cli;

/// <summary>What a script can tell apart from the exit code alone.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The host answered with an error (a problem), or something else went wrong.</summary>
    public const int Failed = 1;

    /// <summary>The command line was wrong; help was printed.</summary>
    public const int Usage = 2;

    /// <summary>No answer from the host: not running, wrong address, or too slow.</summary>
    public const int Unreachable = 3;

    /// <summary>The host refused the admin key (or none was given).</summary>
    public const int Unauthorized = 4;

    /// <summary>Interrupted (Ctrl+C), as shells report SIGINT.</summary>
    public const int Canceled = 130;
}
