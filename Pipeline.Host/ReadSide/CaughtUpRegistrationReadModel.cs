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
    /// No catch-up: an order is written to the read side when its placement is answered (<see cref="IOrderIndex"/>),
    /// before anyone can know its id, and never changes after; one not found was never placed.
    /// </summary>
    public Task<OrderView?> GetOrderAsync(string orderId, CancellationToken cancellationToken = default) =>
        inner.GetOrderAsync(orderId, cancellationToken);

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
