using Pipeline.Actors.Runtime;

namespace Pipeline.Host.Payments;

/// <summary><c>Pipeline:Razorpay:Mode=Sandbox</c>: order ids are made locally, nothing leaves the machine.</summary>
internal sealed class SandboxOrderGateway : IOrderGateway
{
    public Task<string> CreateOrderAsync(long amount, string currency, string receipt, CancellationToken cancellationToken) =>
        Task.FromResult(OpaqueId.New("order"));
}
