namespace Pipeline.Actors.Projections;

/// <param name="PageSize">Journal rows read per query.</param>
/// <param name="PollInterval">How often the journal is read when nothing asks for a catch-up: the read side's lag on other nodes.</param>
/// <param name="GapRetention">
/// How long a missing journal position is re-read before it is taken as rolled back. Akka's own tag query gives up
/// after 10 s; a write that commits later than that is still applied here as long as it commits within this time.
/// </param>
/// <param name="MaxGaps">Missing positions tracked at once; beyond it the oldest are given up (and logged).</param>
public sealed record JournalProjectionSettings(
    int PageSize = 1000,
    TimeSpan? PollInterval = null,
    TimeSpan? GapRetention = null,
    int MaxGaps = 10_000)
{
    public TimeSpan Poll => PollInterval ?? TimeSpan.FromMilliseconds(100);

    public TimeSpan Retention => GapRetention ?? TimeSpan.FromMinutes(5);
}
