namespace Pipeline.Host.Payments;

/// <summary>Makes the payment provider's order for an amount; the order id is what checkout pays.</summary>
public interface IOrderGateway
{
    /// <param name="receipt">Our reference for the order (the registration id), shown in Razorpay's dashboard.</param>
    Task<string> CreateOrderAsync(long amount, string currency, string receipt, CancellationToken cancellationToken);
}
