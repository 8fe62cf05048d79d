using Pipeline.Actors.Outbox;
using Pipeline.Actors.Persistence;
using Pipeline.Actors.Work;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Storage;

/// <summary>
/// What every work queue must do, whatever the engine: the journal projection adds each message's work in the
/// transaction of the message (<see cref="ProjectionSeed"/>), a claim
/// leases, only the lease holder settles, an expired lease comes back to another owner without letting the first one
/// clobber it, and concurrent claimers never share an item. Tests of one class share one database, so each test works
/// on a queue of its own (the outbox's own queues only where routing is the point).
/// </summary>
/// <remarks>
/// Leases and delays are real time (PostgreSQL's clock is the database's), and a loaded machine can stall between
/// any two statements. So a lease a test needs held is long enough that no stall outlasts it, and one it needs ended
/// is waited out by asking the storage itself until it says so (<see cref="LeaseEndedAsync"/>), never by a sleep.
/// </remarks>
public abstract class WorkQueueContract(TestDatabase database) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 9, 30, 0, TimeSpan.Zero);
    private static readonly TimeSpan LongLease = TimeSpan.FromMinutes(5);

    /// <summary>A lease the test means to run out, and waits out by the storage's own clock.</summary>
    private static readonly TimeSpan ShortLease = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// A lease that must still be held a statement or two after it was taken, and whose end the test then waits for:
    /// longer than any stall of a loaded machine between two statements, short enough to wait out.
    /// </summary>
    private static readonly TimeSpan HeldLease = TimeSpan.FromSeconds(10);

    /// <summary>Bounds a wait for a lease or delay to end: a hang, not a speed limit.</summary>
    private static readonly TimeSpan WaitBound = TimeSpan.FromSeconds(30);

    private readonly string _run = Guid.NewGuid().ToString("N")[..12];

    protected TestDatabase Database { get; } = database;

    private IStorage Storage { get; set; } = null!;

    protected IWorkQueue Work => Storage.Work;

    public async Task InitializeAsync() => Storage = await Database.OpenStorageAsync();

    public async Task DisposeAsync() => await Storage.DisposeAsync();

    [Fact]
    public async Task Writing_a_paid_registration_message_adds_a_tickets_item_and_any_other_message_none_with_no_endpoint_subscribed()
    {
        var paid = Message("routing-paid", "registration.paid");
        var other = Message("routing-other", "registration.created");

        await WriteMessagesAsync([paid, other]);

        var tickets = (await Work.ListAsync(OutboxRoutes.Tickets, null, null, long.MaxValue, 100)).Where(i => Ours(i.MessageId)).ToList();
        var ticket = Assert.Single(tickets);
        Assert.Equal((paid.Id, "registration.paid"), (ticket.MessageId, ticket.Type));
        Assert.Null(ticket.Target);
        Assert.Equal("pending", ticket.State);
        Assert.Equal(0, ticket.Attempts);
        Assert.NotNull(ticket.NextAttemptAt);
        Assert.False(ticket.Leased);
        Assert.Null(ticket.LastError);
        Assert.Null(ticket.LastStatus);
        // Webhook deliveries come with a message only for the endpoints subscribed to it (WebhookStoreContract): none here.
        Assert.Equal(0, await CountWorkAsync(other.Id));
    }

    /// <summary>The projection may write a page again after a crash: a message it wrote before adds no second work item.</summary>
    [Fact]
    public async Task A_message_written_again_adds_no_work_items()
    {
        var first = Message("again-first", "registration.paid");
        await WriteMessagesAsync([first]);

        var fresh = Message("again-fresh", "registration.paid");
        await WriteMessagesAsync([first, fresh]);

        Assert.Equal(1, await CountWorkAsync(first.Id));
        Assert.Equal(1, await CountWorkAsync(fresh.Id));
    }

    [Fact]
    public async Task A_claim_leases_due_items_oldest_first_and_another_owner_gets_none_of_them_while_leased()
    {
        var queue = Id("claim");
        var messages = await NewQueueAsync(queue, 3);

        var claimed = await Work.ClaimAsync(queue, "node-a", 10, LongLease);

        Assert.Equal(messages.Select(m => m.Id), claimed.Select(i => i.MessageId));
        Assert.True(claimed.Select(i => i.Id).SequenceEqual(claimed.Select(i => i.Id).Order()));
        foreach (var (item, message) in claimed.Zip(messages))
        {
            Assert.Equal((queue, (string?)null, message.Type, message.EntityId, message.CreatedAt, 0), (item.Queue, item.Target, item.Type, item.EntityId, item.CreatedAt, item.Attempts));
            Assert.Equal("""{"n":1}""", item.Data.Replace(" ", "", StringComparison.Ordinal));
            Assert.True(item.LeasedUntil > DateTimeOffset.UtcNow.AddMinutes(4), $"leased until {item.LeasedUntil}");
        }
        Assert.Equal(3, claimed.Select(i => i.LeaseToken).Distinct().Count());
        Assert.Empty(await Work.ClaimAsync(queue, "node-b", 10, LongLease));
        Assert.Empty(await Work.ClaimAsync(queue, "node-a", 10, LongLease));
        Assert.Equal(new QueueDepth(0, 0, 3, 0), await Work.DepthAsync(queue));
    }

    [Fact]
    public async Task A_claim_takes_at_most_its_limit()
    {
        var queue = Id("limit");
        var messages = await NewQueueAsync(queue, 5);

        var first = await Work.ClaimAsync(queue, "node-a", 2, LongLease);
        var second = await Work.ClaimAsync(queue, "node-b", 2, LongLease);
        var third = await Work.ClaimAsync(queue, "node-c", 2, LongLease);

        Assert.Equal(messages.Select(m => m.Id), first.Concat(second).Concat(third).Select(i => i.MessageId));
        Assert.Equal([2, 2, 1], new[] { first.Count, second.Count, third.Count });
    }

    [Fact]
    public async Task Nodes_owning_different_partitions_claim_disjoint_items_that_together_are_the_whole_queue()
    {
        var queue = Id("partitions");
        await NewQueueAsync(queue, 12);
        var ids = (await Work.ListAsync(queue, null, null, long.MaxValue, 100)).Select(i => i.Id).ToHashSet();

        Assert.Empty(await Work.ClaimAsync(queue, "nobody", 100, LongLease, new WorkPartitions(3, [])));
        var a = await Work.ClaimAsync(queue, "node-a", 100, LongLease, new WorkPartitions(3, [0, 2]));
        var b = await Work.ClaimAsync(queue, "node-b", 100, LongLease, new WorkPartitions(3, [1]));

        Assert.All(a, i => Assert.NotEqual(1, i.Id % 3));
        Assert.All(b, i => Assert.Equal(1, i.Id % 3));
        Assert.Equal(ids.Where(id => id % 3 == 1).Order(), b.Select(i => i.Id).Order());
        Assert.Equal(ids.Order(), a.Concat(b).Select(i => i.Id).Order());
        Assert.Empty(await Work.ClaimAsync(queue, "node-c", 100, LongLease));
    }

    [Fact]
    public async Task An_expired_lease_is_taken_by_a_node_that_owns_none_of_the_partitions()
    {
        var queue = Id("partitions-expired");
        await NewQueueAsync(queue, 1);
        var first = Assert.Single(await Work.ClaimAsync(queue, "node-a", 1, ShortLease));

        await LeaseEndedAsync(queue, first.Id);
        var second = Assert.Single(await Work.ClaimAsync(queue, "node-b", 1, LongLease, new WorkPartitions(2, [])));

        Assert.Equal((first.Id, 1), (second.Id, second.Attempts));
    }

    [Fact]
    public async Task An_expired_lease_is_claimed_by_another_owner_and_the_first_owners_late_settle_changes_nothing()
    {
        var queue = Id("expired");
        await NewQueueAsync(queue, 1);
        var first = Assert.Single(await Work.ClaimAsync(queue, "node-a", 1, LongLease));
        Assert.Empty(await Work.ClaimAsync(queue, "node-b", 1, LongLease));

        // node-a's last extension is a short one, and then it never extends again (it died): the lease runs out.
        Assert.True(await Work.ExtendAsync(first, ShortLease));
        await LeaseEndedAsync(queue, first.Id);
        Assert.False(await Work.ExtendAsync(first, LongLease)); // too late to extend, even before anyone took it
        var second = Assert.Single(await Work.ClaimAsync(queue, "node-b", 1, LongLease));

        Assert.Equal(first.Id, second.Id);
        Assert.NotEqual(first.LeaseToken, second.LeaseToken);
        Assert.Equal(1, second.Attempts); // the lost lease counts as a failed attempt
        Assert.False(await Work.CompleteAsync(first));
        Assert.False(await Work.RetryAsync(first, TimeSpan.Zero, "late", 500));
        Assert.False(await Work.KillAsync(first, "late", 500));
        Assert.False(await Work.ReleaseAsync(first));
        var view = await SingleViewAsync(queue);
        Assert.Equal(("pending", true, 1), (view.State, view.Leased, view.Attempts));
        Assert.Contains("node-a", view.LastError, StringComparison.Ordinal);

        Assert.True(await Work.CompleteAsync(second));
        Assert.False(await Work.CompleteAsync(second));
        view = await SingleViewAsync(queue);
        Assert.Equal(("done", false, (DateTimeOffset?)null), (view.State, view.Leased, view.NextAttemptAt));
        Assert.Empty(await Work.ClaimAsync(queue, "node-c", 1, LongLease));
    }

    [Fact]
    public async Task A_completion_after_the_lease_expired_still_settles_while_no_one_has_claimed_the_item_again()
    {
        var queue = Id("late-complete");
        await NewQueueAsync(queue, 1);
        var item = Assert.Single(await Work.ClaimAsync(queue, "node-a", 1, ShortLease));

        await LeaseEndedAsync(queue, item.Id);

        Assert.True(await Work.CompleteAsync(item));
        Assert.Empty(await Work.ClaimAsync(queue, "node-b", 1, LongLease));
        Assert.Equal("done", (await SingleViewAsync(queue)).State);
    }

    /// <summary>
    /// Two items claimed in one statement share one lease end; only one is extended. Once the storage reports its twin's
    /// lease over (so the shared original end has passed by the storage's clock), another owner gets the twin and not the
    /// extended one.
    /// </summary>
    [Fact]
    public async Task A_lease_extended_in_time_is_not_claimed_by_another_owner_after_its_first_end()
    {
        var queue = Id("extend");
        await NewQueueAsync(queue, 2);
        var claimed = await Work.ClaimAsync(queue, "node-a", 2, HeldLease);
        Assert.Equal(2, claimed.Count);
        var (extended, twin) = (claimed[0], claimed[1]);
        Assert.Equal(extended.LeasedUntil, twin.LeasedUntil);

        Assert.True(await Work.ExtendAsync(extended, LongLease));
        await LeaseEndedAsync(queue, twin.Id);

        var taken = Assert.Single(await Work.ClaimAsync(queue, "node-b", 10, LongLease));
        Assert.Equal(twin.Id, taken.Id);
        Assert.True(await Work.CompleteAsync(extended));
    }

    /// <summary>
    /// One item is retried an hour out, so it is certainly not due while the test looks; another a moment out, and the
    /// test waits (asking the storage) until it is due: only that one comes back, with its attempt counted.
    /// </summary>
    [Fact]
    public async Task A_retried_item_is_due_again_only_after_its_delay_with_the_attempt_counted()
    {
        var queue = Id("retry");
        await NewQueueAsync(queue, 2);
        var claimed = await Work.ClaimAsync(queue, "node-a", 2, LongLease);
        var (later, soon) = (claimed[0], claimed[1]);

        Assert.True(await Work.RetryAsync(later, TimeSpan.FromHours(1), "upstream 503", 503));

        Assert.False(await Work.CompleteAsync(later)); // the retry gave the lease up
        Assert.Empty(await Work.ClaimAsync(queue, "node-b", 1, LongLease));
        Assert.Equal(new QueueDepth(0, 1, 1, 0), await Work.DepthAsync(queue));
        var view = Assert.Single(await Work.ListAsync(queue, null, null, long.MaxValue, 10), v => v.Id == later.Id);
        Assert.Equal(("pending", 1, 503, "upstream 503", false), (view.State, view.Attempts, view.LastStatus, view.LastError, view.Leased));
        Assert.NotNull(view.NextAttemptAt);

        Assert.True(await Work.RetryAsync(soon, TimeSpan.FromMilliseconds(200), "upstream 503", 503));
        QueueDepth? depth = null;
        Assert.True(await Eventually.HoldsAsync(async () => (depth = await Work.DepthAsync(queue)) is { Ready: 1 }, WaitBound),
            $"the item retried after 200 ms never came due: {depth}");

        var again = Assert.Single(await Work.ClaimAsync(queue, "node-b", 10, LongLease));
        Assert.Equal((soon.Id, 1), (again.Id, again.Attempts));
        Assert.True(await Work.CompleteAsync(again));
        Assert.Equal(new QueueDepth(0, 1, 0, 0), await Work.DepthAsync(queue));
        // A completion records no status of its own: the last failure stays for operators to see.
        var done = Assert.Single(await Work.ListAsync(queue, null, null, long.MaxValue, 10), v => v.Id == soon.Id);
        Assert.Equal(("done", 503, "upstream 503"), (done.State, done.LastStatus, done.LastError));
    }

    [Fact]
    public async Task A_killed_item_is_dead_and_unclaimable_until_it_is_requeued_by_hand()
    {
        var queue = Id("kill");
        await NewQueueAsync(queue, 1);
        var item = Assert.Single(await Work.ClaimAsync(queue, "node-a", 1, LongLease));

        Assert.True(await Work.KillAsync(item, "endpoint gone", 410));

        Assert.Empty(await Work.ClaimAsync(queue, "node-b", 1, LongLease));
        Assert.Equal(new QueueDepth(0, 0, 0, 1), await Work.DepthAsync(queue));
        var view = await SingleViewAsync(queue);
        Assert.Equal(("dead", 1, 410, "endpoint gone", (DateTimeOffset?)null, false),
            (view.State, view.Attempts, view.LastStatus, view.LastError, view.NextAttemptAt, view.Leased));

        Assert.False(await Work.RequeueAsync(Id("kill-other-queue"), item.Id));
        Assert.True(await Work.RequeueAsync(queue, item.Id));
        Assert.False(await Work.RequeueAsync(queue, item.Id)); // pending already

        var again = Assert.Single(await Work.ClaimAsync(queue, "node-b", 1, LongLease));
        Assert.Equal((item.Id, 1), (again.Id, again.Attempts));
        Assert.True(await Work.CompleteAsync(again));
        Assert.True(await Work.RequeueAsync(queue, item.Id)); // done items can be sent again too
        Assert.Single(await Work.ClaimAsync(queue, "node-c", 1, LongLease));
    }

    [Fact]
    public async Task A_released_item_is_claimable_at_once_with_its_attempts_unchanged()
    {
        var queue = Id("release");
        await NewQueueAsync(queue, 1);
        var item = Assert.Single(await Work.ClaimAsync(queue, "node-a", 1, LongLease));

        Assert.True(await Work.ReleaseAsync(item));

        var again = Assert.Single(await Work.ClaimAsync(queue, "node-b", 1, LongLease));
        Assert.Equal((item.Id, 0), (again.Id, again.Attempts));
        Assert.False(await Work.CompleteAsync(item));
        Assert.True(await Work.CompleteAsync(again));
    }

    /// <summary>
    /// Settles and extensions of many items at once (a queue may run those waiting together as one statement): each answers
    /// for its own item. A holder whose token is stale (its item was taken back) changes nothing, and an item completed
    /// while its lease is being extended ends done, whichever comes first.
    /// </summary>
    [Fact]
    public async Task Sixty_concurrent_completions_and_extensions_each_answer_for_their_own_item()
    {
        const int third = 20;
        var queue = Id("grouped");
        await NewQueueAsync(queue, 3 * third);
        var claimed = await Work.ClaimAsync(queue, "node-a", 3 * third, LongLease);
        Assert.Equal(3 * third, claimed.Count);
        var stale = claimed.Take(third).Select(i => i with { LeaseToken = "stale-" + i.LeaseToken }).ToList();
        var completed = claimed.Skip(third).Take(third).ToList();
        var extended = claimed.Skip(2 * third).ToList();

        var staleCompletions = stale.Select(i => Work.CompleteAsync(i)).ToList();
        var staleExtensions = stale.Select(i => Work.ExtendAsync(i, LongLease)).ToList();
        var completions = completed.Select(i => Work.CompleteAsync(i)).ToList();
        var racingExtensions = completed.Select(i => Work.ExtendAsync(i, LongLease)).ToList();
        var extensions = extended.Select(i => Work.ExtendAsync(i, LongLease)).ToList();
        await Task.WhenAll([.. staleCompletions, .. staleExtensions, .. completions, .. racingExtensions, .. extensions]);

        Assert.All(await Task.WhenAll(staleCompletions), Assert.False);
        Assert.All(await Task.WhenAll(staleExtensions), Assert.False);
        Assert.All(await Task.WhenAll(completions), Assert.True);
        Assert.All(await Task.WhenAll(extensions), Assert.True);
        var views = (await Work.ListAsync(queue, null, null, long.MaxValue, 100)).ToDictionary(v => v.Id);
        Assert.All(completed, i => Assert.Equal(("done", false), (views[i.Id].State, views[i.Id].Leased)));
        Assert.All(stale.Concat(extended), i => Assert.Equal(("pending", true), (views[i.Id].State, views[i.Id].Leased)));
        foreach (var holder in claimed.Take(third))
        {
            Assert.True(await Work.CompleteAsync(holder)); // the true holder of a stale copy still settles
        }
    }

    [Fact]
    public async Task Ten_concurrent_claimers_take_disjoint_items_and_together_all_two_hundred()
    {
        const int items = 200;
        const int claimers = 10;
        var queue = Id("concurrent");
        await NewQueueAsync(queue, items);

        // Several storages, so claims race through separate pools (and, on SQLite, separate write gates).
        var storages = new List<IStorage>();
        for (var i = 0; i < 3; i++) storages.Add(await Database.OpenStorageAsync());
        try
        {
            // Everyone's first claim is in flight before anyone claims again: on a busy machine with few threads, SQLite's
            // synchronous I/O would otherwise let the first claimer drain the queue before the others are even scheduled.
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var firstRound = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var firstClaimsLeft = claimers;
            var runs = Enumerable.Range(0, claimers).Select(c => Task.Run(async () =>
            {
                await start.Task;
                var work = storages[c % storages.Count].Work;
                var mine = new List<WorkItem>(await work.ClaimAsync(queue, $"node-{c}", 7, LongLease));
                if (Interlocked.Decrement(ref firstClaimsLeft) == 0) firstRound.SetResult();
                await firstRound.Task;
                while (await work.ClaimAsync(queue, $"node-{c}", 7, LongLease) is { Count: > 0 } batch)
                {
                    mine.AddRange(batch);
                }
                return mine;
            })).ToList();
            start.SetResult();
            var claimed = await Task.WhenAll(runs);

            var all = claimed.SelectMany(c => c).ToList();
            Assert.Equal(items, all.Count);
            Assert.Equal(items, all.Select(i => i.Id).Distinct().Count());
            Assert.Equal(items, all.Select(i => i.LeaseToken).Distinct().Count());
            Assert.All(claimed, c => Assert.NotEmpty(c));
            Assert.Equal(new QueueDepth(0, 0, items, 0), await Work.DepthAsync(queue));
        }
        finally
        {
            foreach (var storage in storages) await storage.DisposeAsync();
        }
    }

    [Fact]
    public async Task Enqueue_adds_each_queue_message_and_target_once_even_without_a_target()
    {
        var queue = Id("enqueue");
        var messages = await WriteMessagesAsync([Message("enqueue-1", "test.happened"), Message("enqueue-2", "test.happened")]);
        var (m1, m2) = (messages[0].Id, messages[1].Id);

        Assert.Equal(3, await Work.EnqueueAsync([new(queue, m1, "ep-a"), new(queue, m1, "ep-b"), new(queue, m1, null), new(queue, m1, "ep-a")]));
        Assert.Equal(0, await Work.EnqueueAsync([new(queue, m1, "ep-a"), new(queue, m1, null), new(queue, m1, "ep-b")]));
        Assert.Equal(2, await Work.EnqueueAsync([new(queue, m1, null), new(queue, m2, null), new(Id("enqueue-other"), m1, null)]));
        Assert.Equal(0, await Work.EnqueueAsync([]));

        var listed = await Work.ListAsync(queue, null, null, long.MaxValue, 100);
        Assert.Equal(
            [(m2, (string?)null), (m1, null), (m1, "ep-b"), (m1, "ep-a")],
            listed.Select(i => (i.MessageId, i.Target)));
        Assert.Equal(new QueueDepth(4, 0, 0, 0), await Work.DepthAsync(queue));
    }

    [Fact]
    public async Task Depth_counts_ready_scheduled_leased_and_dead_items_of_its_queue_only()
    {
        var queue = Id("depth");
        Assert.Equal(new QueueDepth(0, 0, 0, 0), await Work.DepthAsync(queue));
        await NewQueueAsync(queue, 6);
        var claimed = await Work.ClaimAsync(queue, "node-a", 4, LongLease);

        Assert.True(await Work.RetryAsync(claimed[0], TimeSpan.FromHours(1), "later", null));
        Assert.True(await Work.KillAsync(claimed[1], "never", null));
        Assert.True(await Work.CompleteAsync(claimed[2]));

        Assert.Equal(new QueueDepth(2, 1, 1, 1), await Work.DepthAsync(queue));
        Assert.Equal(new QueueDepth(0, 0, 0, 0), await Work.DepthAsync(Id("depth-other")));
    }

    [Fact]
    public async Task List_pages_newest_first_by_id_and_filters_by_target_and_state()
    {
        var queue = Id("list");
        var messages = await WriteMessagesAsync(Enumerable.Range(0, 3).Select(i => Message($"list-{i}", "registration.updated")).ToList());
        Assert.Equal(6, await Work.EnqueueAsync(messages.SelectMany(m => new NewWorkItem[] { new(queue, m.Id, "ep-1"), new(queue, m.Id, "ep-2") }).ToList()));

        var page1 = await Work.ListAsync(queue, null, null, long.MaxValue, 4);
        var page2 = await Work.ListAsync(queue, null, null, page1[^1].Id, 4);
        var all = page1.Concat(page2).ToList();
        Assert.Equal([4, 2], new[] { page1.Count, page2.Count });
        Assert.Equal(all.Select(i => i.Id).OrderDescending(), all.Select(i => i.Id));
        Assert.Equal(6, all.Select(i => i.Id).Distinct().Count());
        Assert.Empty(await Work.ListAsync(queue, null, null, page2[^1].Id, 4));
        Assert.All(all, i => Assert.Equal((queue, "registration.updated", "pending"), (i.Queue, i.Type, i.State)));

        var endpoint1 = await Work.ListAsync(queue, "ep-1", null, long.MaxValue, 10);
        Assert.Equal(messages.Select(m => m.Id).Reverse(), endpoint1.Select(i => i.MessageId));
        Assert.All(endpoint1, i => Assert.Equal("ep-1", i.Target));

        var claimed = await Work.ClaimAsync(queue, "node-a", 2, LongLease);
        Assert.True(await Work.KillAsync(claimed[0], "gone", 410));
        var dead = Assert.Single(await Work.ListAsync(queue, null, "dead", long.MaxValue, 10));
        Assert.Equal((claimed[0].Id, (DateTimeOffset?)null, false), (dead.Id, dead.NextAttemptAt, dead.Leased));
        var leased = Assert.Single(await Work.ListAsync(queue, null, "pending", long.MaxValue, 10), i => i.Leased);
        Assert.Equal(claimed[1].Id, leased.Id);
        Assert.Equal(5, (await Work.ListAsync(queue, null, "pending", long.MaxValue, 10)).Count);
        Assert.Equal(claimed[0].Target == "ep-1" ? 1 : 0, (await Work.ListAsync(queue, "ep-1", "dead", long.MaxValue, 10)).Count);
        Assert.Empty(await Work.ListAsync(queue, null, "done", long.MaxValue, 10));
        Assert.Empty(await Work.ListAsync(queue, "ep-3", null, long.MaxValue, 10));
    }

    /// <summary>Writes <paramref name="count"/> messages and puts each one, once, on a queue no other test uses.</summary>
    private async Task<IReadOnlyList<OutboxMessage>> NewQueueAsync(string queue, int count)
    {
        var messages = await WriteMessagesAsync(Enumerable.Range(0, count).Select(i => Message($"{queue}-{i}", "test.happened")).ToList());
        Assert.Equal(count, await Work.EnqueueAsync(messages.Select(m => new NewWorkItem(queue, m.Id, null)).ToList()));
        return messages;
    }

    protected async Task<IReadOnlyList<OutboxMessage>> WriteMessagesAsync(IReadOnlyList<OutboxMessage> messages)
    {
        await Storage.SeedAsync([], messages);
        return messages;
    }

    private async Task<WorkItemView> SingleViewAsync(string queue) => Assert.Single(await Work.ListAsync(queue, null, null, long.MaxValue, 10));

    /// <summary>Waits until the storage, by its own clock, no longer counts the item's lease as held.</summary>
    private async Task LeaseEndedAsync(string queue, long id)
    {
        WorkItemView? view = null;
        Assert.True(await Eventually.HoldsAsync(async () =>
            (view = Assert.Single(await Work.ListAsync(queue, null, null, long.MaxValue, 10), v => v.Id == id)) is { Leased: false }, WaitBound),
            $"the lease of item {id} never ended: {view}");
    }

    private Task<long> CountWorkAsync(string messageId) =>
        Database.ScalarAsync($"SELECT COUNT(*) FROM work_items WHERE message_id = '{messageId}'");

    protected string Id(string name) => $"test/{name}-{_run}";

    private bool Ours(string messageId) => messageId.EndsWith(_run, StringComparison.Ordinal);

    protected OutboxMessage Message(string name, string type) => new(Id(name), type, Id($"entity-{name}"), """{"n":1}""", T0.AddMinutes(1));
}
