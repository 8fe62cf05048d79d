namespace Pipeline.Actors.ReadSide;

/// <summary>An event's registrations joined with their members, read page by page for exports.</summary>
public interface IAttendeeReadModel
{
    /// <summary>How many registrations of the event there are (only paid ones with <paramref name="paidOnly"/>).</summary>
    Task<long> CountAsync(string eventId, bool paidOnly, CancellationToken cancellationToken = default);

    /// <summary>The next <paramref name="limit"/> registrations after <paramref name="afterPosition"/>, in creation order (keyset paging).</summary>
    Task<IReadOnlyList<(long Position, AttendeeRow Row)>> ListAsync(
        string eventId, bool paidOnly, long afterPosition, int limit, CancellationToken cancellationToken = default);
}
