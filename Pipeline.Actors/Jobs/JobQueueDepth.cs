namespace Pipeline.Actors.Jobs;

/// <summary>How many jobs wait and run, cluster-wide.</summary>
/// <param name="Ready">Queued and due now (or left by a node whose lease expired).</param>
/// <param name="Scheduled">Queued for a retry later.</param>
/// <param name="Running">Held by a node's live lease.</param>
public sealed record JobQueueDepth(long Ready, long Scheduled, long Running, long Failed);
