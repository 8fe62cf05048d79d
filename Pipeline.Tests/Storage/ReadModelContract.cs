using Pipeline.Actors.Entities.Events;
using Pipeline.Actors.Entities.Members;
using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.Journal;
using Pipeline.Actors.Persistence;

namespace Pipeline.Tests.Storage;

/// <summary>
/// What the read side of events, members, registrations, orders and payments must do on every engine: rows written by
/// the journal's append are readable, upserts update, counts are counted, and uniqueness rules refuse the whole append.
/// Tests of one class share one database, so each uses ids of its own and lists only what it wrote after a tail.
/// </summary>
public abstract class ReadModelContract(TestDatabase database) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 9, 30, 0, TimeSpan.Zero);

    private readonly string _run = Guid.NewGuid().ToString("N")[..12];

    private IStorage Storage { get; set; } = null!;

    public async Task InitializeAsync() => Storage = await database.OpenStorageAsync();

    public async Task DisposeAsync() => await Storage.DisposeAsync();

    [Fact]
    public async Task Every_view_written_by_an_append_is_readable()
    {
        var ev = Event("readable") with { StartsAt = new DateTimeOffset(2025, 4, 2, 19, 0, 0, TimeSpan.FromHours(5.5)) };
        var member = Member("readable");
        var memberWithoutEmail = Member("readable-no-email") with { Email = null };
        var pending = Registration("readable", ev.Id, member.Id);
        var paid = Paid(Registration("readable-paid", ev.Id, memberWithoutEmail.Id), "readable");
        var order = Order("readable", paid);
        var payment = Payment("readable", paid, "applied");

        await AppendAsync("readable", views: [ev, member, memberWithoutEmail, pending, paid, order, payment]);

        Assert.Equal(new EventSummary(ev, 1), await Storage.Events.GetAsync(ev.Id));
        Assert.Equal(member, await Storage.Members.GetAsync(member.Id));
        Assert.Equal(memberWithoutEmail, await Storage.Members.GetAsync(memberWithoutEmail.Id));
        Assert.Equal(pending, await Storage.Registrations.GetAsync(pending.Id));
        Assert.Equal(paid, await Storage.Registrations.GetAsync(paid.Id));
        Assert.Equal(order, await Storage.Registrations.GetOrderAsync(order.OrderId));
        Assert.Equal(payment, await Storage.Registrations.GetPaymentAsync(payment.PaymentId));
        Assert.Null(await Storage.Events.GetAsync(Id("no-such-event")));
        Assert.Null(await Storage.Members.GetAsync(Id("no-such-member")));
        Assert.Null(await Storage.Registrations.GetAsync(Id("no-such-registration")));
        Assert.Null(await Storage.Registrations.GetOrderAsync(Id("no-such-order")));
        Assert.Null(await Storage.Registrations.GetPaymentAsync(Id("no-such-payment")));
    }

    [Fact]
    public async Task A_registration_upsert_updates_every_mutable_field_and_keeps_its_position()
    {
        var ev = Event("upsert");
        var pending = Registration("upsert", ev.Id, Id("upsert-member"));
        await AppendAsync("upsert-1", views: [ev, pending]);
        var position = Assert.Single(await Storage.Registrations.ListByEventAsync(ev.Id, null, 0, 10)).Position;

        var paid = Paid(pending, "upsert") with
        {
            Amount = 7_500,
            Currency = "USD",
            CheckedInAt = T0.AddHours(30),
            TicketStatus = "sent",
            TicketSentAt = T0.AddHours(2),
            WhatsappMessageId = "wamid." + _run,
            TicketAttempts = 3,
            TicketLastError = "timeout once",
        };
        await AppendAsync("upsert-2", views: [paid]);

        Assert.Equal(paid, await Storage.Registrations.GetAsync(pending.Id));
        Assert.Equal((position, paid), Assert.Single(await Storage.Registrations.ListByEventAsync(ev.Id, null, 0, 10)));

        var failed = paid with { TicketStatus = "failed", TicketSentAt = null, WhatsappMessageId = null, TicketLastError = null, CheckedInAt = null };
        await AppendAsync("upsert-3", views: [failed]);
        Assert.Equal(failed, await Storage.Registrations.GetAsync(pending.Id));
    }

    [Fact]
    public async Task Event_and_member_upserts_update_by_id()
    {
        var ev = Event("rename");
        var member = Member("rename");
        await AppendAsync("rename-1", views: [ev, member]);

        var renamed = ev with { Name = "Renamed", Venue = "Hall B", StartsAt = T0.AddDays(9), FeeAmount = 1, FeeCurrency = "EUR" };
        var moved = member with { Name = "New name", Phone = "+15550000000", Email = null };
        await AppendAsync("rename-2", views: [renamed, moved]);

        Assert.Equal(new EventSummary(renamed, 0), await Storage.Events.GetAsync(ev.Id));
        Assert.Equal(moved, await Storage.Members.GetAsync(member.Id));
    }

    [Fact]
    public async Task Views_of_one_row_in_one_append_keep_the_last()
    {
        var ev = Event("last");
        var pending = Registration("last", ev.Id, Id("last-member"));
        var paid = Paid(pending, "last");

        await AppendAsync("last", views: [ev, pending, ev with { Name = "Last name" }, paid]);

        Assert.Equal(new EventSummary(ev with { Name = "Last name" }, 1), await Storage.Events.GetAsync(ev.Id));
        Assert.Equal(paid, await Storage.Registrations.GetAsync(pending.Id));
    }

    [Fact]
    public async Task The_attendee_count_counts_only_paid_registrations_of_the_event()
    {
        var tail = await EventsTailAsync();
        var busy = Event("count-busy");
        var small = Event("count-small");
        var empty = Event("count-empty");
        var views = new List<object> { busy, small, empty };
        for (var i = 0; i < 5; i++)
        {
            var registration = Registration($"count-busy-{i}", busy.Id, Id($"count-member-{i}"));
            views.Add(i < 3 ? Paid(registration, $"count-busy-{i}") : registration);
        }
        views.Add(Paid(Registration("count-small", small.Id, Id("count-member-0")), "count-small"));
        views.Add(Registration("count-small-pending", small.Id, Id("count-member-1")));
        await AppendAsync("count", views: views);

        Assert.Equal(3, (await Storage.Events.GetAsync(busy.Id))!.AttendeeCount);
        var listed = await Storage.Events.ListAsync(tail, 10);
        Assert.Equal([(busy.Id, 3L), (small.Id, 1L), (empty.Id, 0L)], listed.Select(e => (e.Event.Event.Id, e.Event.AttendeeCount)));

        // A pending registration that becomes paid counts from then on.
        var late = Registration("count-busy-3", busy.Id, Id("count-member-3"));
        await AppendAsync("count-late", views: [Paid(late, "count-busy-3")]);
        Assert.Equal(4, (await Storage.Events.GetAsync(busy.Id))!.AttendeeCount);
    }

    /// <summary>
    /// Payments and orders are write-once rows: the journal projection may write a page again after a crash, and the
    /// second write keeps the first row. One payment id per registration is decided before any write (payment claims).
    /// </summary>
    [Fact]
    public async Task A_payment_row_written_again_keeps_the_first_one()
    {
        var ev = Event("twice");
        var registration = Paid(Registration("twice", ev.Id, Id("twice-member")), "twice");
        var payment = Payment("twice", registration, "applied");
        await AppendAsync("twice-1", views: [ev, registration, Order("twice", registration), payment]);

        await AppendAsync("twice-2", views: [payment with { Status = "unapplied", Amount = 1 }]);

        Assert.Equal(payment, await Storage.Registrations.GetPaymentAsync(payment.PaymentId));
    }

    [Theory]
    [InlineData(false)] // two requests of one write carry the same payment
    [InlineData(true)] // one request carries it twice
    public async Task A_payment_id_twice_inside_one_write_keeps_the_first(bool sameRequest)
    {
        var name = $"inside-{sameRequest}";
        var ev = Event(name);
        var registration = Paid(Registration(name, ev.Id, Id($"{name}-member")), name);
        var payment = Payment(name, registration, "applied");
        var duplicate = payment with { Status = "unapplied" };

        IReadOnlyList<AppendRequest> requests = sameRequest
            ? [Append($"{name}-a", views: [ev, registration, payment, duplicate])]
            : [Append($"{name}-a", views: [ev, registration, payment]), Append($"{name}-b", views: [Order(name, registration), duplicate])];
        await Storage.Journal.AppendAsync(requests);

        Assert.Equal(payment, await Storage.Registrations.GetPaymentAsync(payment.PaymentId));
        Assert.Equal(registration, await Storage.Registrations.GetAsync(registration.Id));
    }

    [Fact]
    public async Task A_second_registration_of_one_member_for_one_event_is_refused()
    {
        var ev = Event("pair");
        var first = Registration("pair-1", ev.Id, Id("pair-member"));
        await AppendAsync("pair-1", views: [ev, first]);
        var outboxTail = await OutboxTailAsync();

        var second = Registration("pair-2", ev.Id, first.MemberId);
        var refused = await Assert.ThrowsAsync<JournalConstraintException>(() =>
            Storage.Journal.AppendAsync([Append("pair-2", outbox: [Message("pair-2")], views: [second])]));

        Assert.Equal("registrations_event_member_key", refused.Constraint);
        Assert.Empty(await ReadJournalAsync("pair-2"));
        Assert.Empty(await Storage.Journal.ReadOutboxAsync(outboxTail, 100));
        Assert.Null(await Storage.Registrations.GetAsync(second.Id));
        Assert.Equal([first], (await Storage.Registrations.ListByEventAsync(ev.Id, null, 0, 10)).Select(r => r.Registration));
    }

    [Fact]
    public async Task An_order_row_written_again_keeps_the_first_one()
    {
        var registration = Registration("order-twice", Id("order-twice-event"), Id("order-twice-member"));
        var order = Order("order-twice", registration);
        await AppendAsync("order-twice-1", views: [registration, order]);

        await AppendAsync("order-twice-2", views: [order with { Amount = 1 }]);

        Assert.Equal(order, await Storage.Registrations.GetOrderAsync(order.OrderId));
    }

    [Fact]
    public async Task Events_and_registrations_list_in_creation_order_and_page_by_position()
    {
        var tail = await EventsTailAsync();
        var events = Enumerable.Range(0, 5).Select(i => Event($"page-{i}")).ToList();
        foreach (var (ev, i) in events.Select((e, i) => (e, i)))
        {
            await AppendAsync($"page-event-{i}", views: [ev]);
        }
        var registrations = Enumerable.Range(0, 5)
            .Select(i => Registration($"page-{i}", events[0].Id, Id($"page-member-{i}")))
            .Select((r, i) => i % 2 == 0 ? Paid(r, $"page-{i}") : r)
            .ToList();
        await AppendAsync("page-registrations", views: [.. registrations]);
        await AppendAsync("page-other-event", views: [Registration("page-other", events[1].Id, Id("page-member-0"))]);

        var eventPages = await PagesAsync((after, limit) => Storage.Events.ListAsync(after, limit), tail, 2);
        Assert.Equal([2, 2, 1], eventPages.Select(p => p.Count));
        Assert.Equal(events.Select((e, i) => new EventSummary(e, i == 0 ? 3 : 0)), eventPages.SelectMany(p => p).Select(r => r.Row));

        var all = await PagesAsync((after, limit) => Storage.Registrations.ListByEventAsync(events[0].Id, null, after, limit), 0, 2);
        Assert.Equal([2, 2, 1], all.Select(p => p.Count));
        Assert.Equal(registrations, all.SelectMany(p => p).Select(r => r.Row));

        var paid = await PagesAsync((after, limit) => Storage.Registrations.ListByEventAsync(events[0].Id, "paid", after, limit), 0, 2);
        Assert.Equal([2, 1], paid.Select(p => p.Count));
        Assert.Equal(registrations.Where(r => r.Status == "paid"), paid.SelectMany(p => p).Select(r => r.Row));

        var pending = await Storage.Registrations.ListByEventAsync(events[0].Id, "pending", 0, 10);
        Assert.Equal(registrations.Where(r => r.Status == "pending"), pending.Select(r => r.Registration));
    }

    [Fact]
    public async Task The_unapplied_payments_list_shows_only_unapplied_ones_oldest_first_and_pages()
    {
        var tail = await UnappliedTailAsync();
        var payments = Enumerable.Range(0, 5)
            .Select(i => Payment($"refund-{i}", Registration($"refund-{i}", Id("refund-event"), Id($"refund-member-{i}")),
                i % 2 == 0 ? "unapplied" : "applied"))
            .ToList();
        await AppendAsync("refund-1", views: [.. payments.Take(3)]);
        await AppendAsync("refund-2", views: [.. payments.Skip(3)]);

        var pages = await PagesAsync((after, limit) => Storage.Registrations.ListUnappliedPaymentsAsync(after, limit), tail, 2);

        Assert.Equal([2, 1], pages.Select(p => p.Count));
        Assert.Equal(payments.Where(p => p.Status == "unapplied"), pages.SelectMany(p => p).Select(r => r.Row));
    }

    private string Id(string name) => $"test/{name}-{_run}";

    private EventView Event(string name) =>
        new(Id($"event-{name}"), $"Event {name}", "Main hall", T0.AddDays(30), 2_500, "INR", T0);

    private MemberView Member(string name) =>
        new(Id($"member-{name}"), $"Member {name}", "+919876543210", $"{name}@example.com", T0.AddMinutes(1));

    private RegistrationView Registration(string name, string eventId, string memberId) =>
        new(Id($"registration-{name}"), eventId, memberId, "pending", null, null, 2_500, "INR", null, null, "pending", null, null, 0, null,
            T0.AddMinutes(2).AddTicks(10));

    private RegistrationView Paid(RegistrationView registration, string name) =>
        registration with { Status = "paid", OrderId = Id($"order-{name}"), PaymentId = Id($"payment-{name}"), PaidAt = T0.AddMinutes(5) };

    private OrderView Order(string name, RegistrationView registration) =>
        new(Id($"order-{name}"), registration.Id, registration.EventId, registration.MemberId, registration.Amount, registration.Currency, T0.AddMinutes(3));

    private PaymentView Payment(string name, RegistrationView registration, string status) =>
        new(Id($"payment-{name}"), registration.Id, registration.OrderId ?? Id($"order-{name}"), registration.EventId, registration.MemberId,
            status, registration.Amount, registration.Currency, T0.AddMinutes(4));

    private OutboxMessage Message(string name) => new(Id($"message-{name}"), "test.happened", Id(name), """{"ok":true}""", T0);

    /// <summary>A new entity's first event, with the given outbox messages and views.</summary>
    private AppendRequest Append(string entity, IReadOnlyList<OutboxMessage>? outbox = null, IReadOnlyList<object>? views = null) =>
        new(Id(entity), 0, [new JournalEvent(1, "TestEvent", """{"n":1}""", T0)], outbox ?? [], views ?? []);

    private Task AppendAsync(string entity, IReadOnlyList<object> views) => Storage.Journal.AppendAsync([Append(entity, views: views)]);

    private async Task<IReadOnlyList<JournalEvent>> ReadJournalAsync(string entity) =>
        (await Storage.Journal.ReadAsync([(Id(entity), 0)])).GetValueOrDefault(Id(entity)) ?? [];

    private static async Task<List<IReadOnlyList<(long Position, T Row)>>> PagesAsync<T>(
        Func<long, int, Task<IReadOnlyList<(long Position, T Row)>>> list, long after, int limit)
    {
        var pages = new List<IReadOnlyList<(long, T)>>();
        while (await list(after, limit) is { Count: > 0 } page)
        {
            Assert.True(page.Zip(page.Skip(1)).All(p => p.Item1.Position < p.Item2.Position), "positions must increase");
            Assert.True(page[0].Position > after, "a page starts after its position");
            pages.Add(page);
            after = page[^1].Position;
        }
        return pages;
    }

    private async Task<long> EventsTailAsync() =>
        (await PagesAsync((after, limit) => Storage.Events.ListAsync(after, limit), 0, 1000)).SelectMany(p => p).Select(r => r.Position).DefaultIfEmpty().Max();

    private async Task<long> UnappliedTailAsync() =>
        (await PagesAsync((after, limit) => Storage.Registrations.ListUnappliedPaymentsAsync(after, limit), 0, 1000))
            .SelectMany(p => p).Select(r => r.Position).DefaultIfEmpty().Max();

    private async Task<long> OutboxTailAsync() =>
        (await PagesAsync((after, limit) => Storage.Journal.ReadOutboxAsync(after, limit), 0, 1000))
            .SelectMany(p => p).Select(r => r.Position).DefaultIfEmpty().Max();
}

public sealed class SqliteReadModelTests(SqliteTestDatabase database)
    : ReadModelContract(database), IClassFixture<SqliteTestDatabase>;

public sealed class PostgresReadModelTests(PostgresTestDatabase database)
    : ReadModelContract(database), IClassFixture<PostgresTestDatabase>;
