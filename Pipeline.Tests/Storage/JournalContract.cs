using System.Text.Json.Nodes;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.Journal;
using Pipeline.Actors.Persistence;

namespace Pipeline.Tests.Storage;

/// <summary>
/// What every journal must do, whatever the engine. Subclasses supply only the database; every test here runs on
/// SQLite and on PostgreSQL. Tests of one class share one database, so each uses entity ids of its own.
/// </summary>
public abstract class JournalContract(TestDatabase database) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 9, 30, 0, TimeSpan.Zero);

    private readonly string _run = Guid.NewGuid().ToString("N")[..12];

    protected TestDatabase Database { get; } = database;

    protected IStorage Storage { get; private set; } = null!;

    private IJournal Journal => Storage.Journal;

    public async Task InitializeAsync() => Storage = await Database.OpenStorageAsync();

    public async Task DisposeAsync() => await Storage.DisposeAsync();

    [Fact]
    public async Task Append_then_read_returns_the_events_in_order()
    {
        var entity = Id("ordered");

        await Journal.AppendAsync([Append(entity, 0, 3)]);
        await Journal.AppendAsync([Append(entity, 3, 2)]);

        var events = await ReadAllAsync(entity);
        Assert.Equal([1L, 2, 3, 4, 5], events.Select(e => e.Seq));
        foreach (var e in events)
        {
            var expected = Event(e.Seq);
            Assert.Equal(expected.Type, e.Type);
            AssertSameJson(expected.Payload, e.Payload);
            Assert.Equal(expected.WrittenAt, e.WrittenAt);
        }
    }

    [Fact]
    public async Task Read_of_an_entity_without_events_returns_nothing_for_it()
    {
        var result = await Journal.ReadAsync([(Id("never-written"), 0)]);

        Assert.True(!result.TryGetValue(Id("never-written"), out var events) || events.Count == 0);
    }

    [Theory]
    [InlineData(0)] // a second "create"
    [InlineData(2)] // a writer that missed the last event
    public async Task Append_at_a_stale_expected_sequence_throws_a_conflict_and_writes_nothing(long staleSeq)
    {
        var entity = Id($"stale-{staleSeq}");
        var batchId = Id($"stale-batch-{staleSeq}");
        var original = View(batchId, remaining: 10, version: 3);
        await Journal.AppendAsync([Append(entity, 0, 3, views: [original])]);
        var outboxTail = await OutboxTailAsync();

        var stale = Append(entity, staleSeq, 2, outbox: [Message(entity, "stale")], views: [original with { Remaining = 1, Version = 9 }],
            payload: "stale");
        var conflict = await Assert.ThrowsAsync<JournalConflictException>(() => Journal.AppendAsync([stale]));

        Assert.Equal(entity, conflict.EntityId);
        var events = await ReadAllAsync(entity);
        Assert.Equal([1L, 2, 3], events.Select(e => e.Seq));
        Assert.All(events, e => AssertSameJson(Event(e.Seq).Payload, e.Payload));
        Assert.Empty(await Journal.ReadOutboxAsync(outboxTail, 100));
        Assert.Equal(original, await Storage.Batches.GetAsync(batchId));
    }

    [Fact]
    public async Task Of_twenty_concurrent_appends_at_the_same_sequence_exactly_one_wins()
    {
        const int writers = 20;
        var entity = Id("race");
        var batchId = Id("race-batch");
        await Journal.AppendAsync([Append(entity, 0, 1, views: [View(batchId, remaining: 100, version: 1)])]);
        var outboxTail = await OutboxTailAsync();

        // Several storages, so the writers race through separate pools (and, on SQLite, separate write gates).
        var storages = new List<IStorage>();
        for (var i = 0; i < 4; i++) storages.Add(await Database.OpenStorageAsync());
        try
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var attempts = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                await start.Task;
                var request = Append(entity, 1, 1, outbox: [Message(entity, $"writer-{w}")],
                    views: [View(batchId, remaining: 100 - w, version: 2)], payload: $"writer-{w}");
                try
                {
                    await storages[w % storages.Count].Journal.AppendAsync([request]);
                    return (Writer: w, Won: true);
                }
                catch (JournalConflictException ex) when (ex.EntityId == entity)
                {
                    return (Writer: w, Won: false);
                }
            })).ToList();
            start.SetResult();
            var outcomes = await Task.WhenAll(attempts);

            var winner = Assert.Single(outcomes, o => o.Won).Writer;
            var events = await ReadAllAsync(entity);
            Assert.Equal([1L, 2], events.Select(e => e.Seq));
            AssertSameJson(Event(2, $"writer-{winner}").Payload, events[1].Payload);
            var outbox = await Journal.ReadOutboxAsync(outboxTail, 100);
            Assert.Equal($"{entity}/writer-{winner}", Assert.Single(outbox).Message.Id);
            Assert.Equal(100 - winner, (await Storage.Batches.GetAsync(batchId))!.Remaining);
        }
        finally
        {
            foreach (var storage in storages) await storage.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_multi_entity_append_with_one_conflict_writes_nothing_for_any_entity(int conflictingIndex)
    {
        var entities = Enumerable.Range(0, 3).Select(i => Id($"atomic-{conflictingIndex}-{i}")).ToList();
        var batches = entities.Select(e => e + "-batch").ToList();
        var conflicting = entities[conflictingIndex];
        var before = View(batches[conflictingIndex], remaining: 5, version: 2);
        await Journal.AppendAsync([Append(conflicting, 0, 2, views: [before])]);
        var outboxTail = await OutboxTailAsync();

        var requests = entities.Select((e, i) => Append(e, e == conflicting ? 1 : 0, 2,
            outbox: [Message(e, "m1"), Message(e, "m2")],
            views: [View(batches[i], remaining: 1, version: 7)],
            payload: "multi")).ToList();
        var conflict = await Assert.ThrowsAsync<JournalConflictException>(() => Journal.AppendAsync(requests));

        Assert.Contains(conflict.EntityId, new[] { conflicting, "*" });
        for (var i = 0; i < entities.Count; i++)
        {
            var events = await ReadAllAsync(entities[i]);
            if (entities[i] == conflicting)
            {
                Assert.Equal([1L, 2], events.Select(e => e.Seq));
                Assert.All(events, e => AssertSameJson(Event(e.Seq).Payload, e.Payload));
                Assert.Equal(before, await Storage.Batches.GetAsync(batches[i]));
            }
            else
            {
                Assert.Empty(events);
                Assert.Null(await Storage.Batches.GetAsync(batches[i]));
            }
        }
        Assert.Empty(await Journal.ReadOutboxAsync(outboxTail, 100));
    }

    [Fact]
    public async Task A_multi_entity_append_writes_every_entity_when_none_conflicts()
    {
        var a = Id("multi-a");
        var b = Id("multi-b");
        await Journal.AppendAsync([Append(b, 0, 1)]);

        await Journal.AppendAsync([Append(a, 0, 2), Append(b, 1, 3)]);

        Assert.Equal([1L, 2], (await ReadAllAsync(a)).Select(e => e.Seq));
        Assert.Equal([1L, 2, 3, 4], (await ReadAllAsync(b)).Select(e => e.Seq));
    }

    [Fact]
    public async Task Two_multi_entity_appends_of_the_same_entities_in_opposite_orders_end_in_one_winner_and_a_conflict()
    {
        // Two nodes group-commit the same entities, listed in different orders: a storage that locks rows in list
        // order deadlocks here, and a deadlock error is not a conflict the runtime knows to retry.
        var storages = new[] { await Database.OpenStorageAsync(), await Database.OpenStorageAsync() };
        try
        {
            for (var round = 0; round < 100; round++)
            {
                var entities = Enumerable.Range(0, 16).Select(i => Id($"opposite-{round}-{i}")).ToList();
                var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var forward = entities.Select(e => Append(e, 0, 1, payload: "forward")).ToList();
                var backward = entities.AsEnumerable().Reverse().Select(e => Append(e, 0, 1, payload: "backward")).ToList();
                var attempts = new[] { (storages[0], forward), (storages[1], backward) }.Select(a => Task.Run(async () =>
                {
                    await start.Task;
                    try
                    {
                        await a.Item1.Journal.AppendAsync(a.Item2);
                        return true;
                    }
                    catch (JournalConflictException)
                    {
                        return false;
                    }
                })).ToList();
                start.SetResult();
                var won = await Task.WhenAll(attempts);

                Assert.Single(won, w => w);
                var by = won[0] ? "forward" : "backward";
                foreach (var entity in entities)
                {
                    AssertSameJson(Event(1, by).Payload, Assert.Single(await ReadAllAsync(entity)).Payload);
                }
            }
        }
        finally
        {
            foreach (var storage in storages) await storage.DisposeAsync();
        }
    }

    [Fact]
    public async Task Outbox_messages_are_written_with_their_events_and_read_back_in_write_order()
    {
        var a = Id("outbox-a");
        var b = Id("outbox-b");
        var outboxTail = await OutboxTailAsync();
        var first = new[] { Message(a, "1", """{"n":1,"text":"é ✓"}"""), Message(a, "2") };
        var second = new[] { Message(b, "3", """{"nested":{"list":[1,2,3]}}""") };
        var third = new[] { Message(a, "4") };

        await Journal.AppendAsync([Append(a, 0, 1, outbox: first), Append(b, 0, 1, outbox: second)]);
        await Journal.AppendAsync([Append(a, 1, 1, outbox: third)]);

        var read = await Journal.ReadOutboxAsync(outboxTail, 100);
        Assert.Equal(first.Concat(second).Concat(third).Select(m => m.Id), read.Select(r => r.Message.Id));
        Assert.True(read.Zip(read.Skip(1)).All(p => p.Item1.Position < p.Item2.Position), "positions must increase");
        foreach (var (expected, (_, actual)) in first.Concat(second).Concat(third).Zip(read))
        {
            Assert.Equal(expected.Type, actual.Type);
            Assert.Equal(expected.EntityId, actual.EntityId);
            Assert.Equal(expected.CreatedAt, actual.CreatedAt);
            AssertSameJson(expected.Data, actual.Data);
        }

        var page1 = await Journal.ReadOutboxAsync(outboxTail, 2);
        var page2 = await Journal.ReadOutboxAsync(page1[^1].Position, 2);
        Assert.Equal(read.Select(r => r.Position), page1.Concat(page2).Select(r => r.Position));
    }

    [Fact]
    public async Task The_batch_view_is_upserted_in_the_transaction_of_its_events()
    {
        var entity = Id("view");
        var batchId = Id("view-batch");
        var sku = Id("sku");
        var created = View(batchId, remaining: 10, version: 1, sku: sku);

        await Journal.AppendAsync([Append(entity, 0, 1, views: [created])]);
        Assert.Equal(created, await Storage.Batches.GetAsync(batchId));
        var position = Assert.Single(await Storage.Batches.ListAsync(sku, 0, 10)).Position;

        var consumed = created with { Remaining = 4, Version = 2 };
        await Journal.AppendAsync([Append(entity, 1, 1, views: [consumed])]);

        Assert.Equal(consumed, await Storage.Batches.GetAsync(batchId));
        var listed = Assert.Single(await Storage.Batches.ListAsync(sku, 0, 10));
        Assert.Equal((position, consumed), listed);
        Assert.Empty(await Storage.Batches.ListAsync(sku, position, 10));
    }

    [Fact]
    public async Task Batch_views_list_in_creation_order_and_page_by_position()
    {
        var sku = Id("list-sku");
        var views = Enumerable.Range(0, 5).Select(i => View(Id($"list-{i}"), remaining: i, version: 1, sku: sku)).ToList();
        foreach (var (view, i) in views.Select((v, i) => (v, i)))
        {
            await Journal.AppendAsync([Append(Id($"list-entity-{i}"), 0, 1, views: [view])]);
        }
        await Journal.AppendAsync([Append(Id("other-sku-entity"), 0, 1, views: [View(Id("other"), 1, 1, sku: Id("other-sku"))])]);

        var page1 = await Storage.Batches.ListAsync(sku, 0, 3);
        var page2 = await Storage.Batches.ListAsync(sku, page1[^1].Position, 3);

        Assert.Equal(views, page1.Concat(page2).Select(r => r.Batch));
        Assert.Equal(2, page2.Count);
    }

    [Fact]
    public async Task Read_of_many_entities_returns_each_one_after_its_own_sequence()
    {
        var entities = Enumerable.Range(0, 600).Select(i => Id($"many-{i}")).ToList();
        await Journal.AppendAsync(entities.Select((e, i) => Append(e, 0, 1 + (i % 4))).ToList());

        var query = entities.Select((e, i) => (e, (long)(i % 3))).Append((Id("many-unknown"), 0L)).ToList();
        var result = await Journal.ReadAsync(query);

        for (var i = 0; i < entities.Count; i++)
        {
            var count = 1 + (i % 4);
            var after = i % 3;
            var expected = Enumerable.Range(after + 1, Math.Max(0, count - after)).Select(s => (long)s).ToList();
            var actual = result.TryGetValue(entities[i], out var events) ? events.Select(e => e.Seq).ToList() : [];
            Assert.Equal(expected, actual);
        }
        Assert.True(!result.TryGetValue(Id("many-unknown"), out var none) || none.Count == 0);
    }

    [Fact]
    public async Task Migrations_are_idempotent()
    {
        await using var fresh = await FreshDatabaseAsync();
        await using var storage = StorageFactory.Create(fresh.Database.Provider, fresh.Database.ConnectionString);

        var first = await storage.Migrator.MigrateAsync();
        var second = await storage.Migrator.MigrateAsync();

        Assert.Equal(ScriptVersions(), first);
        Assert.Empty(second);
        Assert.Equal(ScriptVersions().Count, await fresh.Database.ScalarAsync("SELECT COUNT(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Five_nodes_migrating_one_database_at_once_apply_each_version_once()
    {
        await using var fresh = await FreshDatabaseAsync();
        var storages = Enumerable.Range(0, 5).Select(_ => StorageFactory.Create(fresh.Database.Provider, fresh.Database.ConnectionString)).ToList();
        try
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var runs = storages.Select(s => Task.Run(async () => { await start.Task; return await s.Migrator.MigrateAsync(); })).ToList();
            start.SetResult();
            var applied = await Task.WhenAll(runs);

            Assert.Equal(ScriptVersions(), applied.SelectMany(v => v).Order());
            Assert.Equal(ScriptVersions().Count, await fresh.Database.ScalarAsync("SELECT COUNT(*) FROM schema_migrations"));
            var entity = Id("after-migration");
            await storages[^1].Journal.AppendAsync([Append(entity, 0, 1)]);
            Assert.Single((await storages[0].Journal.ReadAsync([(entity, 0)]))[entity]);
        }
        finally
        {
            foreach (var storage in storages) await storage.DisposeAsync();
        }
    }

    private IReadOnlyList<int> ScriptVersions() =>
        MigrationScript.Load($"Persistence.{Database.Provider}.Migrations").Select(s => s.Version).ToList();

    private async Task<FreshDatabase> FreshDatabaseAsync()
    {
        var fresh = TestDatabase.For(Database.Provider);
        await fresh.InitializeAsync();
        return new FreshDatabase(fresh);
    }

    private sealed record FreshDatabase(TestDatabase Database) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await Database.DisposeAsync();
    }

    private string Id(string name) => $"test/{name}-{_run}";

    private static JournalEvent Event(long seq, string payload = "first") =>
        new(seq, "TestEvent", $$"""{"seq":{{seq}},"by":"{{payload}}"}""", T0.AddSeconds(seq).AddTicks(seq * 10));

    private static AppendRequest Append(string entityId, long expectedSeq, int count,
        IReadOnlyList<OutboxMessage>? outbox = null, IReadOnlyList<object>? views = null, string payload = "first") =>
        new(entityId, expectedSeq,
            Enumerable.Range(1, count).Select(i => Event(expectedSeq + i, payload)).ToList(),
            outbox ?? [], views ?? []);

    private static OutboxMessage Message(string entityId, string name, string data = """{"ok":true}""") =>
        new($"{entityId}/{name}", "test.happened", entityId, data, T0.AddMinutes(1));

    private static BatchView View(string id, long remaining, long version, string sku = "SKU-1") =>
        new(id, sku, 100, remaining, version, T0);

    private async Task<List<JournalEvent>> ReadAllAsync(string entity)
    {
        var result = await Journal.ReadAsync([(entity, 0)]);
        return result.TryGetValue(entity, out var events) ? events.ToList() : [];
    }

    private async Task<long> OutboxTailAsync()
    {
        var tail = 0L;
        while (await Journal.ReadOutboxAsync(tail, 1000) is { Count: > 0 } page)
        {
            tail = page[^1].Position;
        }
        return tail;
    }

    /// <summary>PostgreSQL stores JSON as jsonb, which normalises spacing: the contract is the same JSON value, not the same text.</summary>
    private static void AssertSameJson(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}, got {actual}");
}
