using System.Diagnostics;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.Journal;
using Pipeline.Actors.Persistence;
using Pipeline.Actors.Runtime;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;
using Xunit.Abstractions;
using BatchRuntime = Pipeline.Actors.Runtime.EntityRuntime<
    Pipeline.Actors.Entities.Batches.BatchState,
    Pipeline.Actors.Entities.Batches.BatchCommand,
    Pipeline.Actors.Entities.Batches.BatchEvent,
    Pipeline.Actors.Entities.Batches.BatchReply>;
using CounterRuntime = Pipeline.Actors.Runtime.EntityRuntime<
    Pipeline.Tests.Actors.Runtime.CounterState,
    Pipeline.Tests.Actors.Runtime.CounterCommand,
    Pipeline.Tests.Actors.Runtime.CounterEvent,
    long>;

namespace Pipeline.Tests.Actors.Runtime;

/// <summary>
/// The entity runtime on real storage: ordering, durability before replies, recovery, group commit, passivation and
/// conflicts between nodes. Subclasses supply only the database. Tests of one class share it, so each uses its own keys.
/// </summary>
public abstract class EntityRuntimeContract(TestDatabase database, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..12];
    private readonly List<IAsyncDisposable> _owned = [];

    /// <summary>Whole seconds, so timestamps survive every engine's precision unchanged.</summary>
    private readonly ManualTimeProvider _time = new();

    protected TestDatabase Database { get; } = database;

    /// <summary>Distinct entities the passivation test touches.</summary>
    protected abstract int PassivationKeys { get; }

    private IStorage Storage { get; set; } = null!;

    public async Task InitializeAsync() => Storage = await NewStorageAsync();

    public async Task DisposeAsync()
    {
        // Runtimes were added after the storages they use: stop them first.
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }

    [Fact]
    public async Task Commands_to_one_entity_run_one_at_a_time()
    {
        var runtime = NewRuntime(Storage.Journal);
        var key = Key("serial");
        await CreateAsync(runtime, key, 1000);

        var replies = await Task.WhenAll(Enumerable.Range(0, 500).Select(_ => Task.Run(() => runtime.AskAsync(key, Consume(1)))));

        var consumed = replies.Select(r => Assert.IsType<BatchReply.Consumed>(r)).ToList();
        Assert.Equal(Enumerable.Range(2, 500).Select(v => (long)v), consumed.Select(c => c.Version).Order());
        Assert.All(consumed, c => Assert.Equal(1000 - (c.Version - 1), c.Remaining));
        var current = await GetAsync(runtime, key);
        Assert.Equal((500L, 501L), (current.Remaining, current.Version));
        Assert.Equal(current, await Storage.Batches.GetAsync(key));
        Assert.Equal(501, (await ReadJournalAsync(Storage, key)).Count);
    }

    [Fact]
    public async Task A_reply_is_sent_only_after_its_events_are_durable()
    {
        var runtime = NewRuntime(Storage.Journal);
        var observer = await NewStorageAsync(); // another storage instance, as another process would read
        var key = Key("durable");
        await CreateAsync(runtime, key, 100);

        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(async () =>
        {
            var reply = Assert.IsType<BatchReply.Consumed>(await runtime.AskAsync(key, Consume(1)));

            var events = await observer.Journal.ReadAsync([(EntityId(key), reply.Version - 1)]);
            Assert.Equal(reply.Version, events[EntityId(key)][0].Seq);
            Assert.True((await observer.Batches.GetAsync(key))!.Version >= reply.Version);
        })));
    }

    [Fact]
    public async Task A_reply_waits_for_the_commit_of_its_events()
    {
        var appendEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var commitAllowed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = false;
        var journal = new HookedJournal(Storage.Journal, async _ =>
        {
            if (Volatile.Read(ref holding))
            {
                appendEntered.TrySetResult();
                await commitAllowed.Task;
            }
        });
        var runtime = NewRuntime(journal);
        var key = Key("held");
        await CreateAsync(runtime, key, 10);
        Volatile.Write(ref holding, true);

        var reply = runtime.AskAsync(key, Consume(4));
        await appendEntered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(50);

        Assert.False(reply.IsCompleted, "the reply went out before its transaction committed");
        commitAllowed.SetResult();
        Assert.Equal(6, Assert.IsType<BatchReply.Consumed>(await reply).Remaining);
    }

    [Fact]
    public async Task A_failed_commit_fails_its_commands_and_leaves_no_trace_in_the_entity()
    {
        var failNext = false;
        var journal = new HookedJournal(Storage.Journal, _ =>
            Interlocked.Exchange(ref failNext, false) ? throw new TimeoutException("the database went away") : Task.CompletedTask);
        var runtime = NewRuntime(journal);
        var key = Key("failed-commit");
        await CreateAsync(runtime, key, 10);

        Volatile.Write(ref failNext, true);
        await Assert.ThrowsAsync<TimeoutException>(() => runtime.AskAsync(key, Consume(4, idempotencyKey: "k")));

        // The decided-but-unwritten consume must not linger in memory: the entity reloads the journal's truth.
        Assert.Equal((10L, 1L), ((await GetAsync(runtime, key)).Remaining, (await GetAsync(runtime, key)).Version));
        var retried = Assert.IsType<BatchReply.Consumed>(await runtime.AskAsync(key, Consume(4, idempotencyKey: "k")));
        Assert.False(retried.Replayed);
        Assert.Equal(6, retried.Remaining);
    }

    [Fact]
    public async Task A_new_runtime_recovers_each_entity_from_the_journal()
    {
        var key = Key("recovered");
        BatchView before;
        await using (var first = new BatchRuntime(new BatchBehavior(), Storage.Journal, time: _time))
        {
            await CreateAsync(first, key, 50);
            await first.AskAsync(key, Consume(3, idempotencyKey: "k1"));
            await first.AskAsync(key, Consume(4));
            before = await GetAsync(first, key);
        }

        var storage = await NewStorageAsync();
        var second = NewRuntime(storage.Journal);
        var after = await GetAsync(second, key);
        var replay = await second.AskAsync(key, Consume(3, idempotencyKey: "k1"));

        Assert.Equal(before, after);
        Assert.Equal(new BatchView(key, "SKU-1", 50, 43, 3, _time.GetUtcNow()), after);
        Assert.Equal(new BatchReply.Consumed(key, 3, 47, 2, Replayed: true), replay);
        Assert.Equal(1, second.Stats().Recoveries);
    }

    [Fact]
    public async Task Stopping_a_runtime_finishes_the_commands_already_queued()
    {
        var runtime = NewRuntime(Storage.Journal);
        var key = Key("stopping");
        await CreateAsync(runtime, key, 300);

        var queued = Enumerable.Range(0, 300).Select(_ => runtime.AskAsync(key, Consume(1))).ToList();
        await runtime.DisposeAsync();

        Assert.All(await Task.WhenAll(queued), r => Assert.IsType<BatchReply.Consumed>(r));
        Assert.Equal(0, (await Storage.Batches.GetAsync(key))!.Remaining);
    }

    [Fact]
    public async Task A_burst_at_one_entity_is_committed_in_few_transactions()
    {
        const int commands = 1000;
        var journal = new CountingJournal(Storage.Journal);
        var runtime = NewRuntime(journal);
        var key = Key("burst");
        await CreateAsync(runtime, key, commands);
        var (callsBefore, statsBefore) = (journal.AppendCalls, runtime.Stats());

        var replies = await Task.WhenAll(Enumerable.Range(0, commands).Select(_ => runtime.AskAsync(key, Consume(1))));

        Assert.All(replies, r => Assert.IsType<BatchReply.Consumed>(r));
        var transactions = journal.AppendCalls - callsBefore;
        var stats = runtime.Stats();
        output.WriteLine($"{commands} commands to one entity: {transactions} journal transactions");
        Assert.True(transactions < commands / 5, $"{transactions} transactions for {commands} commands");
        Assert.Equal(transactions, stats.Transactions - statsBefore.Transactions);
        Assert.Equal(commands, stats.CommandsCommitted - statsBefore.CommandsCommitted);
        Assert.Equal(0, (await Storage.Batches.GetAsync(key))!.Remaining);
    }

    [Fact]
    public async Task A_burst_at_fifty_entities_of_one_shard_is_committed_in_few_transactions()
    {
        const int entities = 50;
        const int perEntity = 20;
        var journal = new CountingJournal(Storage.Journal);
        var runtime = NewRuntime(journal, new EntityRuntimeOptions { ShardCount = 1 });
        var keys = Enumerable.Range(0, entities).Select(i => Key($"burst50-{i}")).ToList();
        await Task.WhenAll(keys.Select(k => CreateAsync(runtime, k, perEntity)));
        var (callsBefore, statsBefore) = (journal.AppendCalls, runtime.Stats());

        var replies = await Task.WhenAll(Enumerable.Range(0, entities * perEntity)
            .Select(i => runtime.AskAsync(keys[i % entities], Consume(1))));

        Assert.All(replies, r => Assert.IsType<BatchReply.Consumed>(r));
        var transactions = journal.AppendCalls - callsBefore;
        output.WriteLine($"{entities * perEntity} commands to {entities} entities: {transactions} journal transactions");
        Assert.True(transactions < entities * perEntity / 5, $"{transactions} transactions for {entities * perEntity} commands");
        Assert.Equal(transactions, runtime.Stats().Transactions - statsBefore.Transactions);
        Assert.Equal(entities * perEntity, runtime.Stats().CommandsCommitted - statsBefore.CommandsCommitted);
        foreach (var key in keys)
        {
            Assert.Equal(0, (await Storage.Batches.GetAsync(key))!.Remaining);
        }
        var depleted = (await ReadOutboxAsync(Storage)).Where(m => m.Type == BatchBehavior.DepletedMessage).Select(m => m.EntityId).ToList();
        Assert.Equal(keys.Select(EntityId).Order(), depleted.Where(id => keys.Select(EntityId).Contains(id)).Order());
    }

    /// <summary>
    /// Memory stays bounded because passivated entities are really let go: besides the live count, every tenth entity of
    /// the first half has its state tracked by a weak reference, and each of those was pushed out by far more than a
    /// shard's limit of later ones, so after a full collection none may be alive (the runtime still running). That is
    /// local to this test, unlike the process's heap size, which the tests running beside it move.
    /// </summary>
    [Fact]
    public async Task Passivation_keeps_live_entities_within_the_per_shard_limit_and_lets_passivated_states_be_collected()
    {
        const int shards = 4;
        const int perShard = 1000;
        const int inFlight = 2000;
        var prefix = Key("passivate");
        var firstHalf = PassivationKeys / 2;
        var behavior = new TrackedBatchBehavior(key =>
            int.TryParse(key.AsSpan(prefix.Length + 1), out var i) && i < firstHalf && i % 10 == 0);
        var runtime = new BatchRuntime(behavior, Storage.Journal, new EntityRuntimeOptions { ShardCount = shards, MaxEntitiesPerShard = perShard }, _time);
        _owned.Add(runtime);
        using var window = new SemaphoreSlim(inFlight);
        var wrongReplies = 0;
        var maxLive = 0;
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < PassivationKeys; i++)
        {
            await window.WaitAsync();
            _ = AskOneAsync($"{prefix}-{i}");
            if (i % 5000 == 0)
            {
                maxLive = Math.Max(maxLive, runtime.Stats().LiveEntities);
            }
        }
        for (var i = 0; i < inFlight; i++)
        {
            await window.WaitAsync();
        }
        var elapsed = clock.Elapsed;

        // The counters are published after the last turn's replies: give that turn a moment to finish.
        var limit = PassivationKeys - shards * perShard;
        await Eventually.HoldsAsync(() => runtime.Stats() is { QueuedCommands: 0, LiveEntities: <= shards * perShard } s && s.Passivations >= limit);
        var stats = runtime.Stats();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var alive = behavior.Alive();
        GC.KeepAlive(runtime);
        output.WriteLine($"{PassivationKeys:N0} entities on {Database.Provider} in {elapsed.TotalSeconds:F1} s: " +
            $"live {stats.LiveEntities} (max sampled {maxLive}), passivations {stats.Passivations:N0}, " +
            $"recoveries {stats.Recoveries:N0}; tracked passivated states still alive: {alive.Count} of {behavior.Tracked}");
        Assert.Equal(0, wrongReplies);
        Assert.True(maxLive <= shards * perShard, $"max live {maxLive}");
        Assert.True(stats.LiveEntities <= shards * perShard, $"live {stats.LiveEntities}");
        Assert.True(stats.Passivations >= limit, $"passivations {stats.Passivations}");
        Assert.Equal(PassivationKeys, stats.Recoveries);
        Assert.Equal(firstHalf / 10, behavior.Tracked);
        Assert.True(alive.Count == 0, $"{alive.Count} passivated states are still reachable, e.g. {string.Join(", ", alive.Take(3))}");

        async Task AskOneAsync(string key)
        {
            try
            {
                if (await runtime.AskAsync(key, new GetBatch()) is not BatchReply.NotFound)
                {
                    Interlocked.Increment(ref wrongReplies);
                }
            }
            catch (Exception)
            {
                Interlocked.Increment(ref wrongReplies);
            }
            finally
            {
                window.Release();
            }
        }
    }

    [Fact]
    public async Task An_entity_idle_past_the_timeout_is_passivated_and_recovered_on_its_next_command()
    {
        var runtime = NewRuntime(Storage.Journal, new EntityRuntimeOptions { ShardCount = 1, IdleTimeout = TimeSpan.FromMinutes(2) });
        var keys = Enumerable.Range(0, 10).Select(i => Key($"idle-{i}")).ToList();
        foreach (var key in keys)
        {
            await CreateAsync(runtime, key, 10);
        }
        Assert.True(await Eventually.HoldsAsync(() => runtime.Stats().LiveEntities == 10));

        _time.Advance(TimeSpan.FromMinutes(1));
        await runtime.AskAsync(keys[0], Consume(1));
        _time.Advance(TimeSpan.FromSeconds(90)); // keys[1..] idle 2.5 min, keys[0] 1.5 min
        await runtime.AskAsync(keys[0], new GetBatch()); // passivation runs after each shard turn

        Assert.True(await Eventually.HoldsAsync(() => runtime.Stats() is { LiveEntities: 1, Passivations: 9 }), runtime.Stats().ToString());
        var recoveriesBefore = runtime.Stats().Recoveries;
        var recovered = await GetAsync(runtime, keys[5]);
        Assert.Equal((10L, 1L), (recovered.Remaining, recovered.Version));
        Assert.Equal(recoveriesBefore + 1, runtime.Stats().Recoveries);
        Assert.Equal((9L, 2L), ((await GetAsync(runtime, keys[0])).Remaining, (await GetAsync(runtime, keys[0])).Version));
        Assert.Equal(recoveriesBefore + 1, runtime.Stats().Recoveries);
    }

    [Fact]
    public async Task A_node_with_a_stale_entity_hits_the_conflict_reloads_and_decides_on_fresh_state()
    {
        var nodeA = NewRuntime((await NewStorageAsync()).Journal);
        var nodeB = NewRuntime((await NewStorageAsync()).Journal);
        var key = Key("stale");
        await CreateAsync(nodeA, key, 10);
        await GetAsync(nodeA, key); // cached on A at version 1

        Assert.Equal(new BatchReply.Consumed(key, 7, 3, 2, Replayed: false), await nodeB.AskAsync(key, Consume(7)));
        var tooMuch = await nodeA.AskAsync(key, Consume(5));
        var rest = await nodeA.AskAsync(key, Consume(3));

        Assert.Equal(new BatchReply.InsufficientQuantity(3, Replayed: false), tooMuch);
        Assert.Equal(new BatchReply.Consumed(key, 3, 0, 3, Replayed: false), rest);
        Assert.True(nodeA.Stats().Conflicts >= 1);
        // B's copy is now stale in turn: its next write conflicts and it answers from the journal's state.
        Assert.Equal(new BatchReply.InsufficientQuantity(0, Replayed: false), await nodeB.AskAsync(key, Consume(1, idempotencyKey: "b-late")));
        Assert.True(nodeB.Stats().Conflicts >= 1);
        Assert.Equal(new BatchView(key, "SKU-1", 10, 0, 3, _time.GetUtcNow()), await Storage.Batches.GetAsync(key));
    }

    [Fact]
    public async Task A_node_that_verifies_its_copies_reads_another_nodes_write_without_a_conflict()
    {
        var verify = new EntityRuntimeOptions { VerifyAfter = TimeSpan.Zero };
        var nodeA = NewRuntime((await NewStorageAsync()).Journal, verify);
        var nodeB = NewRuntime((await NewStorageAsync()).Journal, verify);
        var key = Key("verified");
        await CreateAsync(nodeA, key, 10);
        await GetAsync(nodeA, key); // cached on A at version 1

        await nodeB.AskAsync(key, Consume(7));
        var seenByA = await nodeA.AskAsync(key, new GetBatch());
        var consumedOnA = await nodeA.AskAsync(key, Consume(3));

        // A read that writes nothing cannot meet a conflict: only the tail read keeps it from answering stale.
        Assert.Equal(3, Assert.IsType<BatchReply.Current>(seenByA).Batch.Remaining);
        Assert.Equal(new BatchReply.Consumed(key, 3, 0, 3, Replayed: false), consumedOnA);
        Assert.Equal(0, nodeA.Stats().Conflicts);
    }

    [Fact]
    public async Task A_contended_entity_that_loses_races_again_catches_up_from_the_journal_tail_without_replaying_it()
    {
        var nodeA = NewRuntime((await NewStorageAsync()).Journal);
        var nodeB = NewRuntime((await NewStorageAsync()).Journal);
        var key = Key("contended");
        await CreateAsync(nodeA, key, 100);
        await nodeB.AskAsync(key, Consume(1));
        // The first lost race replays the journal once and marks the entity contended.
        Assert.Equal(new BatchReply.Consumed(key, 1, 98, 3, Replayed: false), await nodeA.AskAsync(key, Consume(1, idempotencyKey: "a-0")));
        var recoveries = nodeA.Stats().Recoveries;

        for (var round = 1; round <= 5; round++)
        {
            await nodeB.AskAsync(key, Consume(1));
            var reply = await nodeA.AskAsync(key, Consume(1, idempotencyKey: $"a-{round}"));
            Assert.Equal(new BatchReply.Consumed(key, 1, 98 - 2 * round, 3 + 2 * round, Replayed: false), reply);
        }

        Assert.Equal(6, nodeA.Stats().Conflicts);
        Assert.Equal(recoveries, nodeA.Stats().Recoveries); // rolled back to its pre-turn copy, then read only the tail
        // The rolled-back copy kept what A had remembered: its keyed requests replay, on A and on B.
        Assert.Equal(new BatchReply.Consumed(key, 1, 98, 3, Replayed: true), await nodeA.AskAsync(key, Consume(1, idempotencyKey: "a-0")));
        Assert.Equal(new BatchReply.Consumed(key, 1, 88, 13, Replayed: true), await nodeB.AskAsync(key, Consume(1, idempotencyKey: "a-5")));
        Assert.Equal((88L, 13L), ((await Storage.Batches.GetAsync(key))!.Remaining, (await Storage.Batches.GetAsync(key))!.Version));
    }

    [Fact]
    public async Task Two_nodes_consuming_one_batch_at_once_never_oversell()
    {
        const long quantity = 100;
        const int waves = 20;
        const int perNodeAndWave = 8;
        var options = new EntityRuntimeOptions { MaxConflictRetries = 1000 };
        var nodeA = NewRuntime((await NewStorageAsync()).Journal, options);
        var nodeB = NewRuntime((await NewStorageAsync()).Journal, options);
        var key = Key("two-node-race");
        await CreateAsync(nodeA, key, quantity);
        await GetAsync(nodeB, key);

        // In waves, so both nodes hold a copy the other just made stale each time.
        var replies = new List<BatchReply>();
        for (var wave = 0; wave < waves; wave++)
        {
            replies.AddRange(await Task.WhenAll(Enumerable.Range(0, 2 * perNodeAndWave)
                .Select(i => Task.Run(() => (i % 2 == 0 ? nodeA : nodeB).AskAsync(key, Consume(1))))));
        }

        var consumed = replies.OfType<BatchReply.Consumed>().ToList();
        Assert.Equal(quantity, consumed.Sum(c => c.Quantity));
        Assert.Equal(replies.Count - (int)quantity, replies.OfType<BatchReply.InsufficientQuantity>().Count());
        Assert.Equal(Enumerable.Range(2, (int)quantity).Select(v => (long)v), consumed.Select(c => c.Version).Order());
        Assert.Equal(quantity + 1, (await ReadJournalAsync(Storage, key)).Count);
        Assert.Equal((0L, quantity + 1), ((await Storage.Batches.GetAsync(key))!.Remaining, (await Storage.Batches.GetAsync(key))!.Version));
        Assert.Single(await ReadOutboxAsync(Storage), m => m.EntityId == EntityId(key) && m.Type == BatchBehavior.DepletedMessage);
        Assert.True(nodeA.Stats().Conflicts + nodeB.Stats().Conflicts >= 1, "both nodes wrote at version 2, so one must have conflicted");
        output.WriteLine($"conflicts: A {nodeA.Stats().Conflicts}, B {nodeB.Stats().Conflicts}; " +
            $"transactions: A {nodeA.Stats().Transactions}, B {nodeB.Stats().Transactions}");
    }

    [Fact]
    public async Task Two_nodes_group_committing_many_batches_at_once_never_oversell()
    {
        const int batches = 10;
        const long quantity = 30;
        const int waves = 15;
        const int perBatchNodeAndWave = 2;
        var options = new EntityRuntimeOptions { ShardCount = 1, MaxConflictRetries = 1000 };
        var nodeA = NewRuntime((await NewStorageAsync()).Journal, options);
        var nodeB = NewRuntime((await NewStorageAsync()).Journal, options);
        var keys = Enumerable.Range(0, batches).Select(i => Key($"many-race-{i}")).ToList();
        await Task.WhenAll(keys.Select(k => CreateAsync(nodeA, k, quantity)));
        var random = new Random(20250601);

        // One shard per node, so each turn commits many entities in one transaction, listed in a different order on
        // each node: the two nodes' transactions overlap on the same entities.
        var replies = new List<(string Key, BatchReply Reply)>();
        for (var wave = 0; wave < waves; wave++)
        {
            var asks = new List<Task<(string, BatchReply)>>();
            foreach (var node in new[] { nodeA, nodeB })
            {
                var order = keys.SelectMany(k => Enumerable.Repeat(k, perBatchNodeAndWave)).ToArray();
                random.Shuffle(order);
                asks.AddRange(order.Select(k => Task.Run(async () => (k, await node.AskAsync(k, Consume(1))))));
            }
            replies.AddRange(await Task.WhenAll(asks));
        }

        foreach (var key in keys)
        {
            Assert.Equal(quantity, replies.Where(r => r.Key == key).Select(r => r.Reply).OfType<BatchReply.Consumed>().Sum(c => c.Quantity));
            Assert.Equal(0, (await Storage.Batches.GetAsync(key))!.Remaining);
            Assert.Equal(quantity + 1, (await ReadJournalAsync(Storage, key)).Count);
        }
        Assert.Equal(replies.Count - batches * (int)quantity, replies.Count(r => r.Reply is BatchReply.InsufficientQuantity));
        output.WriteLine($"conflicts: A {nodeA.Stats().Conflicts}, B {nodeB.Stats().Conflicts}; " +
            $"transactions: A {nodeA.Stats().Transactions}, B {nodeB.Stats().Transactions}");
    }

    [Fact]
    public async Task A_command_that_throws_fails_alone_and_the_rest_of_its_turn_commits()
    {
        var runtime = NewCounterRuntime(new EntityRuntimeOptions { ShardCount = 1 });
        var key = Key("explode");

        var add1 = runtime.AskAsync(key, new Add(1));
        var explode = runtime.AskAsync(key, new Explode());
        var add2 = runtime.AskAsync(key, new Add(2));
        var other = runtime.AskAsync(Key("explode-neighbour"), new Add(5));

        await Assert.ThrowsAsync<InvalidOperationException>(() => explode);
        Assert.Equal((1L, 3L, 5L), (await add1, await add2, await other));
        Assert.Equal(3, await runtime.AskAsync(key, new ReadCounter()));
    }

    [Fact]
    public async Task An_apply_that_throws_fails_its_entity_and_the_state_is_reloaded_from_the_journal()
    {
        var runtime = NewCounterRuntime(new EntityRuntimeOptions { ShardCount = 1 });
        var key = Key("corrupt");
        Assert.Equal(5, await runtime.AskAsync(key, new Add(5)));

        var add = runtime.AskAsync(key, new Add(1));
        var corrupt = runtime.AskAsync(key, new Corrupt());
        var neighbour = runtime.AskAsync(Key("corrupt-neighbour"), new Add(7));

        await Assert.ThrowsAsync<InvalidOperationException>(() => corrupt);
        var added = await Record.ExceptionAsync(() => add) is null ? 1 : 0; // same turn as the corrupt one or not
        Assert.Equal(7, await neighbour);
        Assert.Equal(5 + added, await runtime.AskAsync(key, new ReadCounter()));
        Assert.Equal(5 + added, (await runtime.AskAsync(key, new Add(0))));
    }

    private string Key(string name) => $"{name}-{_run}";

    private static string EntityId(string key) => "batch/" + key;

    private static ConsumeBatch Consume(long quantity, string? idempotencyKey = null) => new(quantity, idempotencyKey, $"q={quantity}");

    private async Task<IStorage> NewStorageAsync()
    {
        var storage = await Database.OpenStorageAsync();
        _owned.Add(storage);
        return storage;
    }

    private BatchRuntime NewRuntime(IJournal journal, EntityRuntimeOptions? options = null)
    {
        var runtime = new BatchRuntime(new BatchBehavior(), journal, options, _time);
        _owned.Add(runtime);
        return runtime;
    }

    private CounterRuntime NewCounterRuntime(EntityRuntimeOptions options)
    {
        var runtime = new CounterRuntime(new CounterBehavior(), Storage.Journal, options, _time);
        _owned.Add(runtime);
        return runtime;
    }

    private static async Task CreateAsync(BatchRuntime runtime, string key, long quantity) =>
        Assert.IsType<BatchReply.Created>(await runtime.AskAsync(key, new CreateBatch("SKU-1", quantity)));

    private static async Task<BatchView> GetAsync(BatchRuntime runtime, string key) =>
        Assert.IsType<BatchReply.Current>(await runtime.AskAsync(key, new GetBatch())).Batch;

    private static async Task<IReadOnlyList<JournalEvent>> ReadJournalAsync(IStorage storage, string key) =>
        (await storage.Journal.ReadAsync([(EntityId(key), 0)])).GetValueOrDefault(EntityId(key)) ?? [];

    private static async Task<List<OutboxMessage>> ReadOutboxAsync(IStorage storage)
    {
        var messages = new List<OutboxMessage>();
        var after = 0L;
        while (await storage.Journal.ReadOutboxAsync(after, 1000) is { Count: > 0 } page)
        {
            messages.AddRange(page.Select(p => p.Message));
            after = page[^1].Position;
        }
        return messages;
    }
}
