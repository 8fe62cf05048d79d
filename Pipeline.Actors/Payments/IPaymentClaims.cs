namespace Pipeline.Actors.Payments;

/// <summary>
/// Keeps a payment id applied to one registration only, cluster-wide: the first registration to claim a payment id
/// holds it for good. Each registration is a single writer, but two registrations are two writers; the storage's
/// unique key on the payment id is what decides between them.
/// </summary>
public interface IPaymentClaims
{
    /// <summary>Claims <paramref name="paymentId"/> for <paramref name="holder"/> unless another holds it; returns the holder.</summary>
    Task<string> ClaimAsync(string paymentId, string holder, CancellationToken cancellationToken = default);
}
