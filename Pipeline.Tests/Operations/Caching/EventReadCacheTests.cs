using Pipeline.Actors.Entities.Events;
using Pipeline.Actors.ReadSide;
using Pipeline.Host.Operations.Caching;

namespace Pipeline.Tests.Operations.Caching;

/// <summary>
/// When an event's entry expires, the requests that miss at once share one read of the read side instead of each
/// counting the event's attendees again; an eviction (a confirmation on this node) still starts a read of its own.
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

    /// <summary>Answers each read with its own number as the attendee count, once released.</summary>
    private sealed class HeldReadModel : IEventReadModel
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public void ReleaseAll() => _release.TrySetResult();

        public async Task<EventSummary?> GetAsync(string id, CancellationToken cancellationToken = default)
        {
            var number = Interlocked.Increment(ref _reads);
            await _release.Task;
            return new EventSummary(new EventView(id, "Meetup", "Hall", DateTimeOffset.UnixEpoch, 100, "INR", DateTimeOffset.UnixEpoch), number);
        }

        public Task<IReadOnlyList<(long Position, EventSummary Event)>> ListAsync(long afterPosition, int limit, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }
}
