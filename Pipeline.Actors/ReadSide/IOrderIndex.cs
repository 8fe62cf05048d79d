using Pipeline.Actors.Entities.Registrations;

namespace Pipeline.Actors.ReadSide;

/// <summary>
/// Orders written to the read side when their placement is answered, ahead of the journal projection: an order id
/// a client can know (it comes only in that answer) is then always found, so a confirmation that finds no order has a
/// definitive miss and waits for no catch-up. The rows are write-once: the projection's copy of the same order, later,
/// changes nothing.
/// </summary>
public interface IOrderIndex
{
    Task AddAsync(OrderView order, CancellationToken cancellationToken = default);
}
