using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.Runtime;

namespace Pipeline.Tests.Actors.Entities.Registrations;

/// <summary>The registration's rules as pure functions: no storage, no threads.</summary>
public sealed class RegistrationBehaviorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private readonly RegistrationBehavior _behavior = new();

    [Fact]
    public void The_first_payment_pays_and_announces_registration_paid_once()
    {
        var state = Ordered();

        var decision = Run(state, new ConfirmPayment("order_1", "pay_1", null, null));

        var paid = Assert.IsType<RegistrationReply.Paid>(decision.Reply);
        Assert.False(paid.Replayed);
        Assert.Equal("paid", paid.Registration.Status);
        Assert.Equal("registration.paid", Assert.Single(decision.Notifications).Type);
        var again = Run(state, new ConfirmPayment("order_1", "pay_1", null, null));
        Assert.True(Assert.IsType<RegistrationReply.Paid>(again.Reply).Replayed);
        Assert.Empty(again.Events);
        Assert.Empty(again.Notifications);
    }

    [Fact]
    public void Another_payment_after_paid_is_kept_unapplied_and_replays_as_already_paid()
    {
        var state = Ordered();
        Run(state, new ConfirmPayment("order_1", "pay_1", null, null));

        var second = Run(state, new ConfirmPayment("order_1", "pay_2", null, null));
        var replay = Run(state, new ConfirmPayment("order_1", "pay_2", null, null));

        Assert.IsType<RegistrationReply.AlreadyPaid>(second.Reply);
        Assert.IsType<PaymentUnapplied>(Assert.Single(second.Events));
        Assert.Equal("payment.unapplied", Assert.Single(second.Notifications).Type);
        Assert.IsType<RegistrationReply.AlreadyPaid>(replay.Reply);
        Assert.Empty(replay.Events);
        Assert.Equal("pay_1", state.PaymentId);
    }

    [Fact]
    public void An_applied_payment_is_projected_in_its_registrations_row_and_an_unapplied_one_in_a_row_of_its_own()
    {
        var state = Ordered();
        var applied = Run(state, new ConfirmPayment("order_1", "pay_1", null, null));

        var rows = _behavior.Project(state, applied.Events);

        var registration = Assert.IsType<RegistrationView>(Assert.Single(rows));
        Assert.Equal(("paid", "pay_1", 49900L, (DateTimeOffset?)Now), (registration.Status, registration.PaymentId, registration.Amount, registration.PaidAt));

        var unapplied = Run(state, new ConfirmPayment("order_1", "pay_2", null, null));
        rows = _behavior.Project(state, unapplied.Events);

        Assert.Equal("pay_1", Assert.IsType<RegistrationView>(rows[0]).PaymentId);
        Assert.Equal(new PaymentView("pay_2", "reg_1", "order_1", "evt_1", "mem_1", "unapplied", 49900, "INR", Now), Assert.IsType<PaymentView>(Assert.Single(rows, r => r is PaymentView)));
    }

    [Fact]
    public void A_captured_amount_that_differs_from_the_order_is_refused()
    {
        var state = Ordered();

        var decision = Run(state, new ConfirmPayment("order_1", "pay_1", 100, "INR"));

        Assert.IsType<RegistrationReply.AmountMismatch>(decision.Reply);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void An_unknown_order_is_refused()
    {
        var decision = Run(Ordered(), new ConfirmPayment("order_other", "pay_1", null, null));

        Assert.IsType<RegistrationReply.OrderNotFound>(decision.Reply);
    }

    [Fact]
    public void A_check_answers_what_writes_nothing_and_asks_for_a_claim_before_anything_is_recorded()
    {
        var state = Ordered();

        var first = Run(state, new CheckPayment(new ConfirmPayment("order_1", "pay_1", null, null)));
        var mismatch = Run(state, new CheckPayment(new ConfirmPayment("order_1", "pay_1", 100, "INR")));
        Run(state, new ConfirmPayment("order_1", "pay_1", null, null));
        var replay = Run(state, new CheckPayment(new ConfirmPayment("order_1", "pay_1", null, null)));
        var another = Run(state, new CheckPayment(new ConfirmPayment("order_1", "pay_2", null, null)));
        Run(state, new ConfirmPayment("order_1", "pay_2", null, null));
        var unappliedAgain = Run(state, new CheckPayment(new ConfirmPayment("order_1", "pay_2", null, null)));

        Assert.IsType<RegistrationReply.ClaimNeeded>(first.Reply);
        Assert.IsType<RegistrationReply.AmountMismatch>(mismatch.Reply);
        Assert.True(Assert.IsType<RegistrationReply.Paid>(replay.Reply).Replayed);
        Assert.IsType<RegistrationReply.ClaimNeeded>(another.Reply);
        Assert.IsType<RegistrationReply.AlreadyPaid>(unappliedAgain.Reply);
        Assert.All(new[] { first, mismatch, replay, another, unappliedAgain }, d => Assert.Empty(d.Events));
        Assert.All(new[] { first, mismatch, replay, another, unappliedAgain }, d => Assert.Empty(d.Notifications));
    }

    [Fact]
    public void Ticket_attempts_count_and_the_last_failure_is_final()
    {
        var state = Paid();

        Run(state, new RecordTicketAttempt(null, "429", Final: false));
        Run(state, new RecordTicketAttempt(null, "503", Final: false));
        var last = Run(state, new RecordTicketAttempt(null, "400 bad", Final: true));
        var late = Run(state, new RecordTicketAttempt("wamid.1", null, Final: false));

        Assert.Equal("ticket.delivery_failed", Assert.Single(last.Notifications).Type);
        Assert.Equal(3, state.Ticket.Attempts);
        Assert.Equal("failed", state.Ticket.Status);
        Assert.Equal("400 bad", state.Ticket.LastError);
        Assert.IsType<RegistrationReply.TicketAlreadySettled>(late.Reply);
        Assert.Empty(late.Events);
    }

    [Fact]
    public void A_sent_ticket_records_the_message_and_is_not_sent_again()
    {
        var state = Paid();

        var sent = Run(state, new RecordTicketAttempt("wamid.1", null, Final: false));
        var again = Run(state, new RecordTicketAttempt("wamid.2", null, Final: false));

        Assert.Equal("ticket.sent", Assert.Single(sent.Notifications).Type);
        Assert.Equal("sent", state.Ticket.Status);
        Assert.Equal("wamid.1", state.Ticket.WhatsappMessageId);
        Assert.Equal(1, state.Ticket.Attempts);
        Assert.Equal(Now, state.Ticket.SentAt);
        Assert.IsType<RegistrationReply.TicketAlreadySettled>(again.Reply);
    }

    [Fact]
    public void Check_in_happens_once_and_only_when_paid()
    {
        var pending = Ordered();
        Assert.IsType<RegistrationReply.NotPaid>(Run(pending, new CheckIn()).Reply);

        var state = Paid();
        var first = Run(state, new CheckIn());
        var second = Run(state, new CheckIn());

        Assert.IsType<RegistrationReply.CheckedInNow>(first.Reply);
        Assert.Equal("registration.checked_in", Assert.Single(first.Notifications).Type);
        Assert.Equal(Now, Assert.IsType<RegistrationReply.AlreadyCheckedIn>(second.Reply).CheckedInAt);
    }

    [Fact]
    public void An_order_for_a_paid_registration_is_refused()
    {
        var state = Paid();

        var decision = Run(state, new PlaceOrder("evt_1", "mem_1", "reg_other", "order_2", 49900, "INR"));

        Assert.IsType<RegistrationReply.AlreadyPaid>(decision.Reply);
        Assert.Empty(decision.Events);
    }

    private RegistrationState Ordered()
    {
        var state = _behavior.Create(RegistrationState.KeyOf("evt_1", "mem_1"));
        Run(state, new PlaceOrder("evt_1", "mem_1", "reg_1", "order_1", 49900, "INR"));
        return state;
    }

    private RegistrationState Paid()
    {
        var state = Ordered();
        Run(state, new ConfirmPayment("order_1", "pay_1", null, null));
        return state;
    }

    /// <summary>Decides and applies, as the runtime does.</summary>
    private Decision<RegistrationEvent, RegistrationReply> Run(RegistrationState state, RegistrationCommand command)
    {
        var decision = _behavior.Decide(state, command, Now);
        foreach (var e in decision.Events)
        {
            _behavior.Apply(state, e);
        }
        return decision;
    }
}
