using Pipeline.Actors.Entities.Events;
using Pipeline.Actors.ReadSide;
using Pipeline.Host.Operations.Caching;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Operations.Caching;

/// <summary>
/// When an event's entry expires, the requests that miss at once share one read of the read side instead of each
/// counting the event's attendees again; an eviction (a confirmation on this node) still starts a read of its own; an
/// entry in use is renewed before it expires.
/// </summary>
public sealed class EventReadCacheTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Requests_that_miss_while_the_event_is_being_read_share_that_one_read()
    {
        var readSide = new HeldReadModel();
        var cache = new EventReadCache(readSide, TimeProvider.System);

        // Each call runs up to its wait for the read, which the read side holds until every request has missed.
        var requests = Enumerable.Range(0, 20).Select(_ => cache.GetAsync("evt-1")).ToList();
        readSide.ReleaseAll();
        var answers = await Task.WhenAll(requests).WaitAsync(Bound);

        Assert.Equal(1, readSide.Reads);
        Assert.All(answers, a => Assert.Equal(1, a!.AttendeeCount));
    }

    [Fact]
    public async Task A_read_begun_before_an_eviction_is_not_shared_with_a_request_after_it()
    {
        var readSide = new HeldReadModel();
        var cache = new EventReadCache(readSide, TimeProvider.System);

        var before = cache.GetAsync("evt-1");
        cache.EvictEvent("evt-1"); // a confirmation completed on this node while the first read was under way
        var after = cache.GetAsync("evt-1");
        readSide.ReleaseAll();

        Assert.Equal(2, readSide.Reads);
        Assert.Equal(1, (await before.WaitAsync(Bound))!.AttendeeCount);
        Assert.Equal(2, (await after.WaitAsync(Bound))!.AttendeeCount);
        Assert.True((await cache.GetAsync("evt-1"))!.AttendeeCount >= 2); // never the count read before the eviction
    }

    /// <summary>
    /// An entry read together with many others (after a restart, or in the first second of traffic) would expire with
    /// them, and every request for them would wait for its count at once; instead a request that finds it past
    /// <see cref="EventReadCache.RefreshAfter"/> gets it at once and starts one renewal, and the renewed entry is served
    /// past the first one's expiry.
    /// </summary>
    [Fact]
    public async Task An_entry_past_its_refresh_age_is_served_at_once_while_one_read_renews_it()
    {
        var clock = new ShiftableTimeProvider();
        var readSide = new HeldReadModel();
        var cache = new EventReadCache(readSide, clock);
        var first = cache.GetAsync("evt-1");
        readSide.Release(1);
        Assert.Equal(1, (await first.WaitAsync(Bound))!.AttendeeCount);

        clock.Advance(TimeSpan.FromSeconds(3.5)); // past RefreshAfter, short of MaxAge
        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => cache.GetAsync("evt-1"))).WaitAsync(Bound);

        Assert.All(answers, a => Assert.Equal(1, a!.AttendeeCount)); // answered while the renewal is still held
        Assert.Equal(2, readSide.Reads); // one renewal for all of them
        readSide.Release(1);
        Assert.True(await Eventually.HoldsAsync(async () => (await cache.GetAsync("evt-1"))!.AttendeeCount == 2, Bound), "the renewal fills the entry");
        clock.Advance(TimeSpan.FromSeconds(1)); // past the first read's MaxAge
        Assert.Equal(2, (await cache.GetAsync("evt-1").WaitAsync(Bound))!.AttendeeCount);
        Assert.Equal(2, readSide.Reads);
    }

    /// <summary>Answers each read with its own number as the attendee count, once released.</summary>
    private sealed class HeldReadModel : IEventReadModel
    {
        private readonly SemaphoreSlim _released = new(0);
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public void ReleaseAll() => Release(1_000);

        /// <summary>Lets <paramref name="reads"/> more reads answer.</summary>
        public void Release(int reads) => _released.Release(reads);

        public async Task<EventSummary?> GetAsync(string id, CancellationToken cancellationToken = default)
        {
            var number = Interlocked.Increment(ref _reads);
            await _released.WaitAsync(cancellationToken);
            return new EventSummary(new EventView(id, "Meetup", "Hall", DateTimeOffset.UnixEpoch, 100, "INR", DateTimeOffset.UnixEpoch), number);
        }

        public Task<IReadOnlyList<(long Position, EventSummary Event)>> ListAsync(long afterPosition, int limit, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }
}
