using Pipeline.Actors.Persistence;
using Pipeline.Host.Engine;

namespace Pipeline.Host.Operations.Metrics;

/// <summary>
/// How far the journal projection is behind: the journal's highest position minus the projection's checkpoint, read
/// from storage at most every 2 s. The projection runs on one node (a cluster singleton), the numbers are the
/// storage's, so every node reports the same lag.
/// </summary>
internal sealed class ProjectionLag(IStorage storage, TimeProvider time, ILogger<ProjectionLag> logger)
    : PolledReading<ProjectionLag.Reading?>(null, TimeSpan.FromSeconds(2), time, logger)
{
    /// <param name="Events">Journal events written and not yet applied.</param>
    public sealed record Reading(long Events);

    protected override async Task<Reading?> ReadAsync(CancellationToken cancellationToken)
    {
        var checkpoint = await storage.Projections.LoadCheckpointAsync(EngineServices.JournalProjectionName, cancellationToken);
        var highest = await storage.Projections.HighestOrderingAsync(cancellationToken);
        return new Reading(Math.Max(0, highest - checkpoint.Ordering));
    }
}
