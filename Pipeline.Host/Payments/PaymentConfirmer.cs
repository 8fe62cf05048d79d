using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.Payments;
using Pipeline.Host.Operations.Caching;

namespace Pipeline.Host.Payments;

/// <summary>
/// Applies a verified payment to the registration its order is bound to. Client confirmations, Razorpay
/// webhooks and NDJSON ingestion all come through here, so whichever arrives first wins and the rest replay.
/// </summary>
internal sealed class PaymentConfirmer(RegistrationClient registrations, IPaymentClaims claims, EventReadCache eventCache, PaymentLookups lookups)
{
    public Task<OrderView?> FindOrderAsync(string orderId, CancellationToken cancellationToken) =>
        lookups.OrderAsync(orderId, cancellationToken);

    /// <param name="amount">The captured amount when the source states it (webhook, ingestion), else null.</param>
    public async Task<ConfirmOutcome> ConfirmAsync(OrderView order, string paymentId, long? amount, string? currency, CancellationToken cancellationToken)
    {
        // The registration is the single writer of its own payments; the claim keeps a payment id to one registration
        // across the cluster. Most confirmations of a payment are replays (the client, Razorpay's webhook and the
        // reconciliation file each bring it): the registration answers those from memory, and only a payment it would
        // record costs the claim's round trip. A claim held by this registration already (a retry) is answered as held.
        var key = RegistrationState.KeyOf(order.EventId, order.MemberId);
        var confirmation = new ConfirmPayment(order.OrderId, paymentId, amount, currency);
        var reply = await registrations.AskAsync(key, new CheckPayment(confirmation), cancellationToken);
        if (reply is RegistrationReply.ClaimNeeded)
        {
            if (await claims.ClaimAsync(paymentId, key, cancellationToken) != key)
            {
                return new ConfirmOutcome(ConfirmResult.Conflict);
            }
            reply = await registrations.AskAsync(key, confirmation, cancellationToken);
        }

        if (reply is RegistrationReply.Paid { Replayed: false })
        {
            eventCache.EvictEvent(order.EventId); // before the response: this node's next read counts the new attendee
        }
        return reply switch
        {
            RegistrationReply.Paid { Replayed: false } paid => new ConfirmOutcome(ConfirmResult.Confirmed, paid.Registration),
            RegistrationReply.Paid paid => new ConfirmOutcome(ConfirmResult.Replayed, paid.Registration),
            RegistrationReply.AlreadyPaid already => new ConfirmOutcome(ConfirmResult.AlreadyPaid, already.Registration),
            RegistrationReply.AmountMismatch => new ConfirmOutcome(ConfirmResult.AmountMismatch),
            RegistrationReply.OrderNotFound => new ConfirmOutcome(ConfirmResult.OrderNotFound),
            _ => throw new InvalidOperationException($"Unexpected registration reply {reply.GetType().Name}."),
        };
    }
}
