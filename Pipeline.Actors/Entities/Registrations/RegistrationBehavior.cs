using Pipeline.Actors.Runtime;

namespace Pipeline.Actors.Entities.Registrations;

using RegistrationDecision = Decision<RegistrationEvent, RegistrationReply>;

/// <summary>
/// The rules of a registration: orders bind it to an amount; the first valid payment makes it paid exactly once;
/// the same payment again is a replay; another payment after that is kept as unapplied (refund due), never dropped.
/// </summary>
public sealed class RegistrationBehavior : IEntityBehavior<RegistrationState, RegistrationCommand, RegistrationEvent, RegistrationReply>
{
    public const string PaidMessage = "registration.paid";
    public const string UnappliedMessage = "payment.unapplied";
    public const string TicketSentMessage = "ticket.sent";
    public const string TicketFailedMessage = "ticket.delivery_failed";
    public const string CheckedInMessage = "registration.checked_in";
    public const string TicketPending = "pending";
    public const string TicketSentStatus = "sent";
    public const string TicketFailedStatus = "failed";

    public string EntityType => "registration";

    public RegistrationState Create(string key) => new(key);

    public RegistrationDecision Decide(RegistrationState state, RegistrationCommand command, DateTimeOffset now) => command switch
    {
        PlaceOrder order => DecideOrder(state, order, now),
        ConfirmPayment payment => DecidePayment(state, payment, now),
        CheckPayment check => DecideCheck(state, check, now),
        RecordTicketAttempt attempt => DecideTicketAttempt(state, attempt, now),
        CheckIn => DecideCheckIn(state, now),
        GetRegistration => RegistrationDecision.Only(state.Exists ? new RegistrationReply.Current(state.View()) : new RegistrationReply.NotFound()),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown registration command"),
    };

    private RegistrationDecision DecideOrder(RegistrationState state, PlaceOrder order, DateTimeOffset now)
    {
        if (state.IsPaid)
        {
            return RegistrationDecision.Only(new RegistrationReply.AlreadyPaid(state.View()));
        }
        var events = new List<RegistrationEvent>();
        if (!state.Exists)
        {
            events.Add(new RegistrationOpened(order.RegistrationId, order.EventId, order.MemberId, now));
        }
        events.Add(new OrderPlaced(order.OrderId, order.Amount, order.Currency, now));
        var after = Preview(state, events);
        return new RegistrationDecision(events, new RegistrationReply.OrderAccepted(
            after, new OrderView(order.OrderId, after.Id, after.EventId, after.MemberId, order.Amount, order.Currency, now)), []);
    }

    private RegistrationDecision DecidePayment(RegistrationState state, ConfirmPayment payment, DateTimeOffset now)
    {
        if (!state.Exists || !state.Orders.TryGetValue(payment.OrderId, out var price))
        {
            return RegistrationDecision.Only(new RegistrationReply.OrderNotFound());
        }
        if (payment.Amount is { } amount && (amount != price.Amount || !string.Equals(payment.Currency, price.Currency, StringComparison.OrdinalIgnoreCase)))
        {
            return RegistrationDecision.Only(new RegistrationReply.AmountMismatch(price.Amount, price.Currency));
        }
        if (payment.PaymentId == state.PaymentId)
        {
            return RegistrationDecision.Only(new RegistrationReply.Paid(state.View(), Replayed: true));
        }
        if (state.UnappliedPayments.ContainsKey(payment.PaymentId))
        {
            return RegistrationDecision.Only(new RegistrationReply.AlreadyPaid(state.View()));
        }
        if (state.IsPaid)
        {
            var unapplied = new PaymentUnapplied(payment.OrderId, payment.PaymentId, price.Amount, price.Currency, now);
            var document = new UnappliedPaymentDocument(payment.PaymentId, payment.OrderId, state.Id!, price);
            return new RegistrationDecision([unapplied], new RegistrationReply.AlreadyPaid(state.View()), [new Notification(UnappliedMessage, document)]);
        }

        var applied = new PaymentApplied(payment.OrderId, payment.PaymentId, price.Amount, price.Currency, now);
        var paid = Preview(state, [applied]);
        return new RegistrationDecision([applied], new RegistrationReply.Paid(paid, Replayed: false),
            [new Notification(PaidMessage, RegistrationDocument.From(paid))]);
    }

    private RegistrationDecision DecideCheck(RegistrationState state, CheckPayment check, DateTimeOffset now)
    {
        var decision = DecidePayment(state, check.Confirmation, now);
        return decision.Events.Count == 0 ? decision : RegistrationDecision.Only(new RegistrationReply.ClaimNeeded());
    }

    private RegistrationDecision DecideTicketAttempt(RegistrationState state, RecordTicketAttempt attempt, DateTimeOffset now)
    {
        if (!state.IsPaid)
        {
            return RegistrationDecision.Only(new RegistrationReply.NotPaid());
        }
        if (state.Ticket.Status != TicketPending)
        {
            // A work item claimed again after its outcome was recorded: the outcome stands, nothing is sent twice.
            return RegistrationDecision.Only(new RegistrationReply.TicketAlreadySettled(state.View()));
        }
        RegistrationEvent recorded = attempt switch
        {
            { Succeeded: true } => new TicketSent(attempt.WhatsappMessageId!, now),
            { Final: true } => new TicketDeliveryFailed(attempt.Error ?? "unknown error", now),
            _ => new TicketAttemptFailed(attempt.Error ?? "unknown error", now),
        };
        var after = Preview(state, [recorded]);
        var reply = new RegistrationReply.TicketRecorded(after);
        return recorded switch
        {
            TicketSent => new RegistrationDecision([recorded], reply, [new Notification(TicketSentMessage, RegistrationDocument.From(after))]),
            TicketDeliveryFailed => new RegistrationDecision([recorded], reply, [new Notification(TicketFailedMessage, RegistrationDocument.From(after))]),
            _ => new RegistrationDecision([recorded], reply, []),
        };
    }

    private RegistrationDecision DecideCheckIn(RegistrationState state, DateTimeOffset now)
    {
        if (!state.IsPaid)
        {
            return RegistrationDecision.Only(new RegistrationReply.NotPaid());
        }
        if (state.CheckedInAt is { } first)
        {
            return RegistrationDecision.Only(new RegistrationReply.AlreadyCheckedIn(first));
        }
        var checkedIn = new CheckedIn(now);
        var after = Preview(state, [checkedIn]);
        return new RegistrationDecision([checkedIn], new RegistrationReply.CheckedInNow(after),
            [new Notification(CheckedInMessage, RegistrationDocument.From(after))]);
    }

    /// <summary>The view the state will have after the events, computed without touching the state.</summary>
    private RegistrationView Preview(RegistrationState state, IEnumerable<RegistrationEvent> events)
    {
        var copy = state.CopyScalars();
        foreach (var e in events)
        {
            ApplyScalars(copy, e);
        }
        return copy.View();
    }

    public RegistrationState Apply(RegistrationState state, RegistrationEvent @event)
    {
        ApplyScalars(state, @event);
        switch (@event)
        {
            case OrderPlaced placed:
                state.Orders[placed.OrderId] = new Money(placed.Amount, placed.Currency);
                break;
            case PaymentUnapplied unapplied:
                state.UnappliedPayments[unapplied.PaymentId] = unapplied.OrderId;
                break;
        }
        return state;
    }

    private static void ApplyScalars(RegistrationState state, RegistrationEvent @event)
    {
        switch (@event)
        {
            case RegistrationOpened opened:
                state.Id = opened.Id;
                state.EventId = opened.EventId;
                state.MemberId = opened.MemberId;
                state.CreatedAt = opened.At;
                break;
            case OrderPlaced placed:
                state.OrderId = placed.OrderId;
                state.Amount = new Money(placed.Amount, placed.Currency);
                break;
            case TicketSent sent:
                state.Ticket = state.Ticket with { Status = TicketSentStatus, SentAt = sent.At, WhatsappMessageId = sent.WhatsappMessageId, Attempts = state.Ticket.Attempts + 1, LastError = null };
                break;
            case TicketAttemptFailed failed:
                state.Ticket = state.Ticket with { Attempts = state.Ticket.Attempts + 1, LastError = failed.Error };
                break;
            case TicketDeliveryFailed failed:
                state.Ticket = state.Ticket with { Status = TicketFailedStatus, Attempts = state.Ticket.Attempts + 1, LastError = failed.Error };
                break;
            case CheckedIn checkedIn:
                state.CheckedInAt = checkedIn.At;
                break;
            case PaymentApplied applied:
                state.Status = RegistrationState.Paid;
                state.OrderId = applied.OrderId;
                state.PaymentId = applied.PaymentId;
                state.Amount = new Money(applied.Amount, applied.Currency);
                state.PaidAt = applied.At;
                break;
        }
    }

    public IReadOnlyList<object> Project(RegistrationState state, IReadOnlyList<RegistrationEvent> events)
    {
        var view = state.View();
        var rows = new List<object> { view };
        foreach (var e in events)
        {
            switch (e)
            {
                case OrderPlaced placed:
                    rows.Add(new OrderView(placed.OrderId, view.Id, view.EventId, view.MemberId, placed.Amount, placed.Currency, placed.At));
                    break;
                // An applied payment is its registration's row (payment id, amount, paid at): no row of its own, one
                // write less a confirmation. An unapplied one has no registration row to live in.
                case PaymentUnapplied unapplied:
                    rows.Add(new PaymentView(unapplied.PaymentId, view.Id, unapplied.OrderId, view.EventId, view.MemberId, "unapplied", unapplied.Amount, unapplied.Currency, unapplied.At));
                    break;
            }
        }
        return rows;
    }
}
