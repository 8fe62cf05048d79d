using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Host.ReadSide;

/// <summary>Registrations, orders and payments from the read side, caught up with this node's writes first (<see cref="ReadSideCatchUp"/>).</summary>
internal sealed class CaughtUpRegistrationReadModel(IRegistrationReadModel inner, ReadSideCatchUp catchUp) : IRegistrationReadModel
{
    public async Task<RegistrationView?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await catchUp.WaitAsync(cancellationToken);
        return await inner.GetAsync(id, cancellationToken);
    }

    public async Task<IReadOnlyList<(long Position, RegistrationView Registration)>> ListByEventAsync(
        string eventId, string? status, long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        await catchUp.WaitAsync(cancellationToken);
        return await inner.ListByEventAsync(eventId, status, afterPosition, limit, cancellationToken);
    }

    /// <summary>
    /// An order never changes once written, so one found is current: no catch-up on the confirmation path. One placed
    /// a moment ago (on any node) may not be projected yet: a miss asks the projection to catch up and reads again, so a
    /// confirmation never fails for an order that exists.
    /// </summary>
    public async Task<OrderView?> GetOrderAsync(string orderId, CancellationToken cancellationToken = default)
    {
        if (await inner.GetOrderAsync(orderId, cancellationToken) is { } order)
        {
            return order;
        }
        await catchUp.WaitAsync(cancellationToken, force: true);
        return await inner.GetOrderAsync(orderId, cancellationToken);
    }

    public async Task<PaymentView?> GetPaymentAsync(string paymentId, CancellationToken cancellationToken = default)
    {
        await catchUp.WaitAsync(cancellationToken);
        return await inner.GetPaymentAsync(paymentId, cancellationToken);
    }

    public async Task<IReadOnlyList<(long Position, PaymentView Payment)>> ListUnappliedPaymentsAsync(
        long afterPosition, int limit, CancellationToken cancellationToken = default)
    {
        await catchUp.WaitAsync(cancellationToken);
        return await inner.ListUnappliedPaymentsAsync(afterPosition, limit, cancellationToken);
    }
}
