namespace Pipeline.Streams.Stages.Restart;

public enum RestartState
{
    NotStarted,

    /// <summary>The graph is running.</summary>
    Running,

    /// <summary>The graph failed; waiting out the backoff before the next run.</summary>
    BackingOff,

    /// <summary>The graph returned without error; it is not started again.</summary>
    Completed,

    /// <summary>The caller's token was canceled.</summary>
    Stopped,

    /// <summary>More than <see cref="RestartSettings.MaxRestarts"/> consecutive failures; the last one was rethrown.</summary>
    GaveUp,
}
