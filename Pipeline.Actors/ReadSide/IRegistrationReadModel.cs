using Pipeline.Actors.Entities.Registrations;

namespace Pipeline.Actors.ReadSide;

public interface IRegistrationReadModel
{
    Task<RegistrationView?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Registrations of one event in creation order, optionally only those with the given status.</summary>
    Task<IReadOnlyList<(long Position, RegistrationView Registration)>> ListByEventAsync(
        string eventId, string? status, long afterPosition, int limit, CancellationToken cancellationToken = default);

    Task<OrderView?> GetOrderAsync(string orderId, CancellationToken cancellationToken = default);

    /// <summary>A payment kept apart from its registration (see <see cref="PaymentView"/>): an applied one is not.</summary>
    Task<PaymentView?> GetPaymentAsync(string paymentId, CancellationToken cancellationToken = default);

    /// <summary>Payments kept as unapplied (refund due), oldest first.</summary>
    Task<IReadOnlyList<(long Position, PaymentView Payment)>> ListUnappliedPaymentsAsync(
        long afterPosition, int limit, CancellationToken cancellationToken = default);
}
