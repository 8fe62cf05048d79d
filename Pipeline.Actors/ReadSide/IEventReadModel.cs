using Pipeline.Actors.Entities.Events;

namespace Pipeline.Actors.ReadSide;

public interface IEventReadModel
{
    /// <summary>The event with its attendee count (paid registrations), or null.</summary>
    Task<EventSummary?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Events in creation order after the position, each with its attendee count.</summary>
    Task<IReadOnlyList<(long Position, EventSummary Event)>> ListAsync(long afterPosition, int limit, CancellationToken cancellationToken = default);
}
