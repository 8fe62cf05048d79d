using Pipeline.Actors.Entities.Events;
using Pipeline.Actors.Entities.Members;
using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.Persistence;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Host.Payments;

/// <summary>
/// The write-once records the order and confirmation paths check, read once per node and then kept: an event's
/// read also counts its attendees (O(attendees) on a hot event), which the payment path never needs.
/// </summary>
/// <remarks>
/// Events and members straight from storage (their fee and name never change, and the read-side catch-up is for counts
/// this path does not use); orders through <paramref name="registrations"/>: every order is written there when its
/// placement is answered (<see cref="PlacedAsync"/>), so one missing was never placed.
/// </remarks>
internal sealed class PaymentLookups(IStorage storage, IRegistrationReadModel registrations, Pipeline.Host.ReadSide.ReadSideCatchUp catchUp)
{
    private readonly IEventReadModel _eventRows = storage.Events;
    private readonly IMemberReadModel _memberRows = storage.Members;
    private readonly IOrderIndex _orderIndex = storage.Orders;

    // An order is confirmed soon after it is placed, usually once: a recent window is all that pays off.
    private readonly WriteOnceCache<EventView> _events = new(capacity: 10_000);
    private readonly WriteOnceCache<MemberView> _members = new(capacity: 20_000);
    private readonly WriteOnceCache<OrderView> _orders = new(capacity: 20_000);

    public Task<EventView?> EventAsync(string id, CancellationToken ct) =>
        _events.GetAsync(id, (key, token) => CaughtUpOnMissAsync(async () => (await _eventRows.GetAsync(key, token))?.Event, token), ct);

    public Task<MemberView?> MemberAsync(string id, CancellationToken ct) =>
        _members.GetAsync(id, (key, token) => CaughtUpOnMissAsync(() => _memberRows.GetAsync(key, token), token), ct);

    /// <summary>A record created a moment ago (on any node) may not be projected yet: on a miss, catch up and read again.</summary>
    private async Task<T?> CaughtUpOnMissAsync<T>(Func<Task<T?>> read, CancellationToken ct) where T : class
    {
        if (await read() is { } found)
        {
            return found;
        }
        await catchUp.WaitAsync(ct, force: true);
        return await read();
    }

    public Task<OrderView?> OrderAsync(string id, CancellationToken ct) => _orders.GetAsync(id, registrations.GetOrderAsync, ct);

    /// <summary>
    /// An order this node just placed, written to the order index before the placement is answered (so no node's
    /// confirmation of it can miss) and kept here: its confirmation, usually here too, then needs no read.
    /// </summary>
    public async Task PlacedAsync(OrderView order, CancellationToken ct)
    {
        await _orderIndex.AddAsync(order, ct);
        _orders.Add(order.OrderId, order);
    }

    /// <summary>
    /// A member this node just created: an order placed for it a moment later then needs neither a read nor a catch-up
    /// of the read side (it may not be projected yet, and a miss forces one).
    /// </summary>
    public MemberView Created(MemberView member) => _members.Add(member.Id, member);

    /// <summary>An event this node just created, as for a member.</summary>
    public EventView Created(EventView @event) => _events.Add(@event.Id, @event);
}
