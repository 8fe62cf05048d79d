using System.Data.Common;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.Entities.Events;
using Pipeline.Actors.Entities.Members;
using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.Outbox;
using Pipeline.Actors.Persistence;

namespace Pipeline.Tests.Storage;

/// <summary>
/// What the read side of batches, events, members, registrations, orders and payments must do on every engine: rows written by
/// the journal projection are readable, upserts update, counts are counted, and uniqueness rules refuse the whole write.
/// Tests of one class share one database, so each uses ids of its own and lists only what it wrote after a tail.
/// </summary>
public abstract class ReadModelContract(TestDatabase database) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 9, 30, 0, TimeSpan.Zero);

    private readonly string _run = Guid.NewGuid().ToString("N")[..12];

    protected IStorage Storage { get; private set; } = null!;

    public async Task InitializeAsync() => Storage = await database.OpenStorageAsync();

    public async Task DisposeAsync() => await Storage.DisposeAsync();

    [Fact]
    public async Task Every_view_written_by_the_projection_is_readable()
    {
        var ev = Event("readable") with { StartsAt = new DateTimeOffset(2025, 4, 2, 19, 0, 0, TimeSpan.FromHours(5.5)) };
        var member = Member("readable");
        var memberWithoutEmail = Member("readable-no-email") with { Email = null };
        var pending = Registration("readable", ev.Id, member.Id);
        var paid = Paid(Registration("readable-paid", ev.Id, memberWithoutEmail.Id), "readable");
        var order = Order("readable", paid);
        var payment = Payment("readable", paid, "applied");

        await SeedAsync([ev, member, memberWithoutEmail, pending, paid, order, payment]);

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
        await SeedAsync([ev, pending]);
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
        await SeedAsync([paid]);

        Assert.Equal(paid, await Storage.Registrations.GetAsync(pending.Id));
        Assert.Equal((position, paid), Assert.Single(await Storage.Registrations.ListByEventAsync(ev.Id, null, 0, 10)));

        var failed = paid with { TicketStatus = "failed", TicketSentAt = null, WhatsappMessageId = null, TicketLastError = null, CheckedInAt = null };
        await SeedAsync([failed]);
        Assert.Equal(failed, await Storage.Registrations.GetAsync(pending.Id));
    }

    [Fact]
    public async Task Event_and_member_upserts_update_by_id()
    {
        var ev = Event("rename");
        var member = Member("rename");
        await SeedAsync([ev, member]);

        var renamed = ev with { Name = "Renamed", Venue = "Hall B", StartsAt = T0.AddDays(9), FeeAmount = 1, FeeCurrency = "EUR" };
        var moved = member with { Name = "New name", Phone = "+15550000000", Email = null };
        await SeedAsync([renamed, moved]);

        Assert.Equal(new EventSummary(renamed, 0), await Storage.Events.GetAsync(ev.Id));
        Assert.Equal(moved, await Storage.Members.GetAsync(member.Id));
    }

    [Fact]
    public async Task Views_of_one_row_in_one_append_keep_the_last()
    {
        var ev = Event("last");
        var pending = Registration("last", ev.Id, Id("last-member"));
        var paid = Paid(pending, "last");

        await SeedAsync([ev, pending, ev with { Name = "Last name" }, paid]);

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
        await SeedAsync(views);

        Assert.Equal(3, (await Storage.Events.GetAsync(busy.Id))!.AttendeeCount);
        var listed = await Storage.Events.ListAsync(tail, 10);
        Assert.Equal([(busy.Id, 3L), (small.Id, 1L), (empty.Id, 0L)], listed.Select(e => (e.Event.Event.Id, e.Event.AttendeeCount)));

        // A pending registration that becomes paid counts from then on.
        var late = Registration("count-busy-3", busy.Id, Id("count-member-3"));
        await SeedAsync([Paid(late, "count-busy-3")]);
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
        await SeedAsync([ev, registration, Order("twice", registration), payment]);

        await SeedAsync([payment with { Status = "unapplied", Amount = 1 }]);

        Assert.Equal(payment, await Storage.Registrations.GetPaymentAsync(payment.PaymentId));
    }

    [Fact]
    public async Task A_payment_id_twice_inside_one_write_keeps_the_first()
    {
        var ev = Event("inside");
        var registration = Paid(Registration("inside", ev.Id, Id("inside-member")), "inside");
        var payment = Payment("inside", registration, "applied");
        var duplicate = payment with { Status = "unapplied" };

        await SeedAsync([ev, registration, payment, Order("inside", registration), duplicate]);

        Assert.Equal(payment, await Storage.Registrations.GetPaymentAsync(payment.PaymentId));
        Assert.Equal(registration, await Storage.Registrations.GetAsync(registration.Id));
    }

    [Fact]
    public async Task A_second_registration_of_one_member_for_one_event_is_refused()
    {
        var ev = Event("pair");
        var first = Registration("pair-1", ev.Id, Id("pair-member"));
        await SeedAsync([ev, first]);
        var outboxTail = await OutboxTailAsync();

        var second = Registration("pair-2", ev.Id, first.MemberId);
        var message = Message("pair-2");
        // The storage's own error (a unique violation): the projection stops on it rather than skip the write.
        await Assert.ThrowsAnyAsync<DbException>(() => Storage.SeedAsync([second], [message]));

        Assert.Empty(await Storage.Outbox.ReadAfterAsync(outboxTail, 100));
        Assert.Equal(0, await database.ScalarAsync($"SELECT COUNT(*) FROM work_items WHERE message_id = '{message.Id}'"));
        Assert.Null(await Storage.Registrations.GetAsync(second.Id));
        Assert.Equal([first], (await Storage.Registrations.ListByEventAsync(ev.Id, null, 0, 10)).Select(r => r.Registration));
    }

    [Fact]
    public async Task An_order_row_written_again_keeps_the_first_one()
    {
        var registration = Registration("order-twice", Id("order-twice-event"), Id("order-twice-member"));
        var order = Order("order-twice", registration);
        await SeedAsync([registration, order]);

        await SeedAsync([order with { Amount = 1 }]);

        Assert.Equal(order, await Storage.Registrations.GetOrderAsync(order.OrderId));
    }

    [Fact]
    public async Task An_order_indexed_at_its_placement_is_readable_before_the_projection_and_the_projections_copy_changes_nothing()
    {
        var registration = Registration("indexed", Id("indexed-event"), Id("indexed-member"));
        var orders = Enumerable.Range(0, 20).Select(i => Order($"indexed-{i}", registration)).ToList();

        // Placements answered at the same moment: each is readable once its own write returns.
        await Task.WhenAll(orders.Select(async order =>
        {
            await Storage.Orders.AddAsync(order);
            Assert.Equal(order, await Storage.Registrations.GetOrderAsync(order.OrderId));
        }));
        await Storage.Orders.AddAsync(orders[0]); // a placement's write repeated
        await SeedAsync([registration, orders[1] with { Amount = 1 }]);

        Assert.Equal(orders, await Task.WhenAll(orders.Select(o => Storage.Registrations.GetOrderAsync(o.OrderId))));
    }

    [Fact]
    public async Task Orders_looked_up_at_the_same_moment_each_get_their_own_or_none()
    {
        var registration = Registration("lookups", Id("lookups-event"), Id("lookups-member"));
        var orders = Enumerable.Range(0, 120).Select(i => Order($"lookups-{i}", registration)).ToList();
        await SeedAsync([registration, .. orders]);
        var asked = orders.SelectMany((o, i) => new[] { o.OrderId, Id($"lookups-missing-{i}") }).ToList();

        var found = await Task.WhenAll(asked.Select(id => Task.Run(() => Storage.Registrations.GetOrderAsync(id))));

        Assert.Equal(orders.SelectMany(o => new[] { o, null }), found);
    }

    /// <summary>
    /// Placements and the projection write the same orders at the same moment, in no agreed order: neither may fail
    /// (on PostgreSQL an insert waits for another transaction's uncommitted row of the same key; unsorted, this test
    /// deadlocked within a few rounds, as a benchmark's placements did).
    /// </summary>
    [Fact]
    public async Task Orders_indexed_while_the_projection_writes_the_same_orders_in_another_order_all_succeed()
    {
        var registration = Registration("overlap", Id("overlap-event"), Id("overlap-member"));
        for (var round = 0; round < 30; round++)
        {
            var orders = Enumerable.Range(0, 200).Select(i => Order($"overlap-{round}-{i}", registration)).ToList();
            var projected = Enumerable.Reverse(orders).Cast<object>().Prepend(registration).ToList();

            await Task.WhenAll(orders.Select(o => Storage.Orders.AddAsync(o)).Append(SeedAsync(projected)));

            Assert.Equal(orders, await Task.WhenAll(orders.Select(o => Storage.Registrations.GetOrderAsync(o.OrderId))));
        }
    }

    [Fact]
    public async Task Events_and_registrations_list_in_creation_order_and_page_by_position()
    {
        var tail = await EventsTailAsync();
        var events = Enumerable.Range(0, 5).Select(i => Event($"page-{i}")).ToList();
        foreach (var (ev, i) in events.Select((e, i) => (e, i)))
        {
            await SeedAsync([ev]);
        }
        var registrations = Enumerable.Range(0, 5)
            .Select(i => Registration($"page-{i}", events[0].Id, Id($"page-member-{i}")))
            .Select((r, i) => i % 2 == 0 ? Paid(r, $"page-{i}") : r)
            .ToList();
        await SeedAsync([.. registrations]);
        await SeedAsync([Registration("page-other", events[1].Id, Id("page-member-0"))]);

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
    public async Task A_batch_upsert_updates_it_and_keeps_its_position()
    {
        var sku = Id("view-sku");
        var created = Batch("view", sku, remaining: 10, version: 1);

        await SeedAsync([created]);
        Assert.Equal(created, await Storage.Batches.GetAsync(created.Id));
        var position = Assert.Single(await Storage.Batches.ListAsync(sku, 0, 10)).Position;

        var consumed = created with { Remaining = 4, Version = 2 };
        await SeedAsync([consumed]);

        Assert.Equal(consumed, await Storage.Batches.GetAsync(created.Id));
        Assert.Equal((position, consumed), Assert.Single(await Storage.Batches.ListAsync(sku, 0, 10)));
        Assert.Empty(await Storage.Batches.ListAsync(sku, position, 10));
    }

    [Fact]
    public async Task Batches_list_by_sku_in_creation_order_and_page_by_position()
    {
        var sku = Id("list-sku");
        var batches = Enumerable.Range(0, 5).Select(i => Batch($"list-{i}", sku, remaining: i, version: 1)).ToList();
        foreach (var batch in batches)
        {
            await SeedAsync([batch]);
        }
        await SeedAsync([Batch("other", Id("other-sku"), remaining: 1, version: 1)]);

        var pages = await PagesAsync((after, limit) => Storage.Batches.ListAsync(sku, after, limit), 0, 3);

        Assert.Equal([3, 2], pages.Select(p => p.Count));
        Assert.Equal(batches, pages.SelectMany(p => p).Select(r => r.Row));
    }

    [Fact]
    public async Task The_unapplied_payments_list_shows_only_unapplied_ones_oldest_first_and_pages()
    {
        var tail = await UnappliedTailAsync();
        var payments = Enumerable.Range(0, 5)
            .Select(i => Payment($"refund-{i}", Registration($"refund-{i}", Id("refund-event"), Id($"refund-member-{i}")),
                i % 2 == 0 ? "unapplied" : "applied"))
            .ToList();
        await SeedAsync([.. payments.Take(3)]);
        await SeedAsync([.. payments.Skip(3)]);

        var pages = await PagesAsync((after, limit) => Storage.Registrations.ListUnappliedPaymentsAsync(after, limit), tail, 2);

        Assert.Equal([2, 1], pages.Select(p => p.Count));
        Assert.Equal(payments.Where(p => p.Status == "unapplied"), pages.SelectMany(p => p).Select(r => r.Row));
    }

    protected string Id(string name) => $"test/{name}-{_run}";

    private BatchView Batch(string name, string sku, long remaining, long version) =>
        new(Id($"batch-{name}"), sku, 100, remaining, version, T0);

    protected EventView Event(string name) =>
        new(Id($"event-{name}"), $"Event {name}", "Main hall", T0.AddDays(30), 2_500, "INR", T0);

    private MemberView Member(string name) =>
        new(Id($"member-{name}"), $"Member {name}", "+919876543210", $"{name}@example.com", T0.AddMinutes(1));

    protected RegistrationView Registration(string name, string eventId, string memberId) =>
        new(Id($"registration-{name}"), eventId, memberId, "pending", null, null, 2_500, "INR", null, null, "pending", null, null, 0, null,
            T0.AddMinutes(2).AddTicks(10));

    protected RegistrationView Paid(RegistrationView registration, string name) =>
        registration with { Status = "paid", OrderId = Id($"order-{name}"), PaymentId = Id($"payment-{name}"), PaidAt = T0.AddMinutes(5) };

    private OrderView Order(string name, RegistrationView registration) =>
        new(Id($"order-{name}"), registration.Id, registration.EventId, registration.MemberId, registration.Amount, registration.Currency, T0.AddMinutes(3));

    private PaymentView Payment(string name, RegistrationView registration, string status) =>
        new(Id($"payment-{name}"), registration.Id, registration.OrderId ?? Id($"order-{name}"), registration.EventId, registration.MemberId,
            status, registration.Amount, registration.Currency, T0.AddMinutes(4));

    private OutboxMessage Message(string name) => new(Id($"message-{name}"), "test.happened", Id(name), """{"ok":true}""", T0);

    protected Task SeedAsync(IReadOnlyList<object> views) => Storage.SeedAsync(views, []);

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
        (await PagesAsync((after, limit) => Storage.Outbox.ReadAfterAsync(after, limit), 0, 1000))
            .SelectMany(p => p).Select(r => r.Position).DefaultIfEmpty().Max();
}

public sealed class SqliteReadModelTests(SqliteTestDatabase database)
    : ReadModelContract(database), IClassFixture<SqliteTestDatabase>;
