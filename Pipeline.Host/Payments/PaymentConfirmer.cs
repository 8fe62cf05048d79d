using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.Journal;
using Pipeline.Actors.ReadSide;
using Pipeline.Host.Operations.Caching;

namespace Pipeline.Host.Payments;

/// <summary>
/// Applies a verified payment to the registration its order is bound to. Client confirmations, Razorpay
/// webhooks and NDJSON ingestion all come through here, so whichever arrives first wins and the rest replay.
/// </summary>
internal sealed class PaymentConfirmer(IRegistrationReadModel registrations, RegistrationRuntime runtime, EventReadCache eventCache, PaymentLookups lookups)
{
    /// <summary>Storage's unique key on payment ids: the last guard when two registrations race for one payment.</summary>
    public const string PaymentKey = "payments_pkey";

    public Task<OrderView?> FindOrderAsync(string orderId, CancellationToken cancellationToken) =>
        lookups.OrderAsync(orderId, cancellationToken);

    /// <param name="amount">The captured amount when the source states it (webhook, ingestion), else null.</param>
    public async Task<ConfirmOutcome> ConfirmAsync(OrderView order, string paymentId, long? amount, string? currency, CancellationToken cancellationToken)
    {
        // Cheap early answer for the common conflict; the unique key in storage decides the races this read cannot see.
        var known = await registrations.GetPaymentAsync(paymentId, cancellationToken);
        if (known is not null && known.RegistrationId != order.RegistrationId)
        {
            return new ConfirmOutcome(ConfirmResult.Conflict);
        }

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
