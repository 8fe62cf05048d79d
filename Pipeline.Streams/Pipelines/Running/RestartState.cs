namespace Pipeline.Streams.Pipelines.Running;

public enum RestartState
{
    NotStarted,

    /// <summary>The graph is running.</summary>
    Running,

    /// <summary>The graph failed; waiting out the backoff before the next run.</summary>
    BackingOff,

    /// <summary>The graph completed without error; it is not started again.</summary>
    Completed,

    /// <summary>The pipeline was told to stop and has stopped.</summary>
    Stopped,

    /// <summary>Failed more often than the restart settings allow; not started again.</summary>
    GaveUp,
}
