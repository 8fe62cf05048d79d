using Pipeline.Actors.Entities.Events;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Host.ReadSide;

/// <summary>Events with their attendee counts from the read side, caught up with this node's writes first (<see cref="ReadSideCatchUp"/>).</summary>
internal sealed class CaughtUpEventReadModel(IEventReadModel inner, ReadSideCatchUp catchUp) : IEventReadModel
{
    public async Task<EventSummary?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await catchUp.WaitAsync(cancellationToken);
        return await inner.GetAsync(id, cancellationToken);
    }

    public async Task<IReadOnlyList<(long Position, EventSummary Event)>> ListAsync(long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        await catchUp.WaitAsync(cancellationToken);
        return await inner.ListAsync(afterPosition, limit, cancellationToken);
    }
}
