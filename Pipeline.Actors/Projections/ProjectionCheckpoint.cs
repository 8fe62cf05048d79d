namespace Pipeline.Actors.Projections;

/// <summary>
/// How far a projection has read: every journal row up to <see cref="Ordering"/> was applied, except the
/// <see cref="Gaps"/>: positions that were missing when later ones were read (a write not yet committed, or rolled back),
/// re-read on every poll until they show up or are older than the projection's gap retention.
/// </summary>
public sealed record ProjectionCheckpoint(long Ordering, IReadOnlyList<ProjectionGap> Gaps)
{
    public static readonly ProjectionCheckpoint Start = new(0, []);
}

/// <param name="Since">When the position was first seen missing.</param>
public sealed record ProjectionGap(long Ordering, DateTimeOffset Since);
