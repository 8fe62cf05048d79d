using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.Journal;
using Pipeline.Host.Operations.Caching;

namespace Pipeline.Host.Payments;

/// <summary>
/// Applies a verified payment to the registration its order is bound to. Client confirmations, Razorpay
/// webhooks and NDJSON ingestion all come through here, so whichever arrives first wins and the rest replay.
/// </summary>
internal sealed class PaymentConfirmer(RegistrationRuntime runtime, EventReadCache eventCache, PaymentLookups lookups)
{
    /// <summary>Storage's unique key on payment ids: the last guard when two registrations race for one payment.</summary>
    public const string PaymentKey = "payments_pkey";

    public Task<OrderView?> FindOrderAsync(string orderId, CancellationToken cancellationToken) =>
        lookups.OrderAsync(orderId, cancellationToken);

    /// <param name="amount">The captured amount when the source states it (webhook, ingestion), else null.</param>
    public async Task<ConfirmOutcome> ConfirmAsync(OrderView order, string paymentId, long? amount, string? currency, CancellationToken cancellationToken)
    {
        // No read of the payments table first: the registration entity answers replays from memory, and a payment id
        // already applied elsewhere is refused by storage's unique key (the append fails, nothing is written). A read
        // per confirmation would cost every request a round trip to spare the rare conflict one.
        RegistrationReply reply;
        try
        {
            reply = await runtime.AskAsync(
                RegistrationState.KeyOf(order.EventId, order.MemberId),
                new ConfirmPayment(order.OrderId, paymentId, amount, currency),
                cancellationToken);
        }
        catch (JournalConstraintException ex) when (ex.Constraint == PaymentKey)
        {
            return new ConfirmOutcome(ConfirmResult.Conflict);
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
