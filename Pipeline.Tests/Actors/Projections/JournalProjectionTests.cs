using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Actors.Outbox;
using Pipeline.Actors.Projections;
using Pipeline.Actors.Runtime;

namespace Pipeline.Tests.Actors.Projections;

/// <summary>
/// The journal projection over an in-memory journal and a counting entity: what it projects when the projector no longer
/// holds an entity's copy (evicted, or a restarted projection), and how many history reads that costs.
/// </summary>
public sealed class JournalProjectionTests
{
    private readonly InMemoryProjectionStore _store = new();

    [Fact]
    public async Task Copies_evicted_from_the_projector_are_rebuilt_with_one_history_read_per_page()
    {
        var projection = Projection(capacity: 2);
        for (var i = 0; i < 6; i++) _store.Append($"counter/c{i}", 1, amount: 10);
        await projection.CatchUpAsync();
        Assert.Equal(0, _store.HistoryReads);

        for (var i = 0; i < 6; i++) _store.Append($"counter/c{i}", 2, amount: 1);
        await projection.CatchUpAsync();

        Assert.Equal(1, _store.HistoryReads);
        for (var i = 0; i < 6; i++) Assert.Equal(11, _store.Totals[$"c{i}"]);
    }

    [Fact]
    public async Task A_restarted_projection_rebuilds_each_entity_from_its_history_before_projecting_new_events()
    {
        _store.Append("counter/a", 1, amount: 5);
        _store.Append("counter/a", 2, amount: 7);
        _store.Append("counter/b", 1, amount: 100);
        await Projection(capacity: 100).CatchUpAsync();

        _store.Append("counter/a", 3, amount: 1);
        _store.Append("counter/b", 2, amount: 1);
        _store.Append("counter/a", 4, amount: 1);
        await Projection(capacity: 100).CatchUpAsync();

        Assert.Equal(14, _store.Totals["a"]);
        Assert.Equal(101, _store.Totals["b"]);
        Assert.Equal(1, _store.HistoryReads);
    }

    [Fact]
    public async Task Events_already_applied_are_not_applied_again_when_a_page_is_read_twice()
    {
        var projection = Projection(capacity: 100);
        _store.Append("counter/a", 1, amount: 5);
        await projection.CatchUpAsync();
        _store.FailNextApply = true;
        _store.Append("counter/a", 2, amount: 3);
        await Assert.ThrowsAsync<InvalidOperationException>(() => projection.CatchUpAsync());

        await projection.CatchUpAsync();

        Assert.Equal(8, _store.Totals["a"]);
    }

    [Fact]
    public async Task A_catch_up_under_a_steady_stream_of_writes_stops_at_the_head_it_found_instead_of_chasing_it()
    {
        var projection = Projection(capacity: 100_000);
        for (var i = 0; i < 2500; i++) _store.Append($"counter/c{i}", 1, amount: 1);
        var nextKey = 2500;
        var reads = 0;
        _store.OnReadAfter = () =>
        {
            // Writers keep going while the projection reads: a full page lands before each of the next 50 reads.
            if (++reads > 50) return;
            for (var i = 0; i < 1000; i++) _store.Append($"counter/c{nextKey++}", 1, amount: 1);
        };

        await projection.CatchUpAsync();

        for (var i = 0; i < 2500; i++) Assert.Equal(1, _store.Totals[$"c{i}"]);
        Assert.InRange(reads, 3, 5); // 2,500 rows, plus the page that landed before the head was read: four pages
    }

    private JournalProjection Projection(int capacity) => new(
        "test", _store, [new EntityProjector<Counter, object, CounterAdded, object>(new CounterBehavior(), capacity)],
        row => new CounterAdded(int.Parse(Encoding.UTF8.GetString(row.Payload))),
        new JournalProjectionSettings(PageSize: 1000), TimeProvider.System, NullLogger.Instance);

    private sealed record CounterAdded(int Amount);

    /// <summary>The entity's state, and its read-side row as well.</summary>
    private sealed record Counter(string Key, int Total);

    private sealed class CounterBehavior : IEntityBehavior<Counter, object, CounterAdded, object>
    {
        public string EntityType => "counter";

        public Counter Create(string key) => new(key, 0);

        public Decision<CounterAdded, object> Decide(Counter state, object command, DateTimeOffset now) => throw new NotSupportedException();

        public Counter Apply(Counter state, CounterAdded @event) => state with { Total = state.Total + @event.Amount };

        public IReadOnlyList<object> Project(Counter state, IReadOnlyList<CounterAdded> events) => [state];
    }

    private sealed class InMemoryProjectionStore : IProjectionStore
    {
        private readonly List<JournalRow> _journal = [];
        private ProjectionCheckpoint _checkpoint = ProjectionCheckpoint.Start;

        public Dictionary<string, int> Totals { get; } = [];

        public int HistoryReads { get; private set; }

        public bool FailNextApply { get; set; }

        public void Append(string persistenceId, long seq, int amount) =>
            _journal.Add(new JournalRow(_journal.Count + 1, persistenceId, seq, 0, "CounterAdded", Encoding.UTF8.GetBytes(amount.ToString())));

        /// <summary>Runs before every page is read (writes landing meanwhile).</summary>
        public Action? OnReadAfter { get; set; }

        public Task<IReadOnlyList<JournalRow>> ReadAfterAsync(long afterOrdering, int limit, CancellationToken cancellationToken = default)
        {
            OnReadAfter?.Invoke();
            return Task.FromResult<IReadOnlyList<JournalRow>>(_journal.Where(r => r.Ordering > afterOrdering).Take(limit).ToList());
        }

        public Task<IReadOnlyList<JournalRow>> ReadAtAsync(IReadOnlyCollection<long> orderings, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<JournalRow>>(_journal.Where(r => orderings.Contains(r.Ordering)).ToList());

        public Task<IReadOnlyList<JournalRow>> ReadHistoriesAsync(IReadOnlyCollection<EntityHistory> histories, CancellationToken cancellationToken = default)
        {
            HistoryReads++;
            return Task.FromResult<IReadOnlyList<JournalRow>>(histories
                .SelectMany(h => _journal.Where(r => r.PersistenceId == h.PersistenceId && r.SequenceNr >= h.FromSeq && r.SequenceNr <= h.ToSeq))
                .OrderBy(r => r.PersistenceId, StringComparer.Ordinal).ThenBy(r => r.SequenceNr).ToList());
        }

        public Task<long> HighestOrderingAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult(_journal.Count == 0 ? 0L : _journal[^1].Ordering);

        public Task<ProjectionCheckpoint> LoadCheckpointAsync(string projection, CancellationToken cancellationToken = default) =>
            Task.FromResult(_checkpoint);

        public Task ApplyAsync(string projection, IReadOnlyList<object> views, IReadOnlyList<OutboxMessage> outbox,
            ProjectionCheckpoint checkpoint, CancellationToken cancellationToken = default)
        {
            if (FailNextApply)
            {
                FailNextApply = false;
                throw new InvalidOperationException("storage failed");
            }
            foreach (var counter in views.Cast<Counter>())
            {
                Totals[counter.Key] = counter.Total;
            }
            _checkpoint = checkpoint;
            return Task.CompletedTask;
        }
    }
}
