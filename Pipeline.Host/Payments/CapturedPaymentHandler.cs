namespace Pipeline.Host.Payments;

/// <summary>What became of one captured payment from a webhook or an ingestion line, in the contract's words.</summary>
public sealed record CapturedOutcome(string Outcome, string? RegistrationId = null, string? Error = null)
{
    public const string Confirmed = "confirmed";
    public const string Replayed = "replayed";
    public const string Conflict = "conflict";
    public const string AlreadyPaid = "already_paid";
    public const string Invalid = "invalid";

    public static CapturedOutcome InvalidBecause(string error) => new(Invalid, Error: error);
}

/// <summary>Confirms a captured payment exactly as a client confirmation would, with the captured amount checked too.</summary>
internal sealed class CapturedPaymentHandler(PaymentConfirmer confirmer)
{
    public async Task<CapturedOutcome> HandleAsync(CapturedPayment payment, CancellationToken cancellationToken)
    {
        if (payment.Status != CapturedPayment.CapturedStatus)
        {
            return CapturedOutcome.InvalidBecause("not_captured");
        }
        var order = await confirmer.FindOrderAsync(payment.OrderId, cancellationToken);
        if (order is null)
        {
            return CapturedOutcome.InvalidBecause("order_not_found");
        }
        var outcome = await confirmer.ConfirmAsync(order, payment.Id, payment.Amount, payment.Currency, cancellationToken);
        return outcome.Result switch
        {
            ConfirmResult.Confirmed => new CapturedOutcome(CapturedOutcome.Confirmed, order.RegistrationId),
            ConfirmResult.Replayed => new CapturedOutcome(CapturedOutcome.Replayed, order.RegistrationId),
            ConfirmResult.AlreadyPaid => new CapturedOutcome(CapturedOutcome.AlreadyPaid, order.RegistrationId),
            ConfirmResult.Conflict => new CapturedOutcome(CapturedOutcome.Conflict, Error: "payment_conflict"),
            ConfirmResult.AmountMismatch => CapturedOutcome.InvalidBecause("amount_mismatch"),
            _ => CapturedOutcome.InvalidBecause("order_not_found"),
        };
    }
}
