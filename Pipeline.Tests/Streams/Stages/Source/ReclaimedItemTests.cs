using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Actors.Work;
using Pipeline.Streams.Stages.Pause;
using Pipeline.Streams.Stages.Source;
using Pipeline.Tests.Fakes;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Stages.Source;

/// <summary>
/// An item handed back (its step failed) is due at once, so the same source may claim it again before the failed
/// claim is settled. Settling the old claim must leave the new one tracked: its lease kept alive and handed back on
/// stop. (Removed by id alone, the new claim went untracked, its lease ran out while its ticket was being sent, and
/// another node sent the ticket again.)
/// </summary>
public sealed class ReclaimedItemTests
{
    [Fact]
    public async Task Settling_an_earlier_claim_of_an_item_keeps_its_newer_claim_alive_and_handed_back()
    {
        var first = Item(token: "token-first");
        var second = Item(token: "token-second");
        var queue = new ClaimsInTurn(first, second);
        var source = new LeasedSource(queue, new LeasedSourceOptions("tickets", "node-a", TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(10), Budget: 8),
            new PauseGate(), TimeProvider.System, NullLogger.Instance);
        var output = Channel.CreateUnbounded<WorkItem>();
        using var graph = new CancellationTokenSource();
        var run = source.RunAsync(output.Writer, graph.Token);
        var leases = source.KeepLeasesAsync(graph.Token);

        Assert.Equal(first, await output.Reader.ReadAsync());
        Assert.Equal(second, await output.Reader.ReadAsync()); // claimed again, as after a give-back
        source.Settled(first);

        Assert.Equal(1, source.Unsettled);
        Assert.True(await Eventually.HoldsAsync(() => queue.Extended.Contains("token-second"), TimeSpan.FromSeconds(10)), "the newer claim's lease is kept alive");
        await graph.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        await leases;
        Assert.Equal(1, await source.ReleaseUnsettledAsync());
        Assert.Equal(["token-second"], queue.Released);
    }

    private static WorkItem Item(string token) =>
        new(7, "tickets", "message-7", null, "registration.paid", "registration/7", "{}", DateTimeOffset.UtcNow, 0, token, DateTimeOffset.UtcNow.AddMinutes(5));

    /// <summary>Claims return the given items one at a time, then nothing; records extensions and hand-backs by lease token.</summary>
    private sealed class ClaimsInTurn(params WorkItem[] items) : WorkQueueStub
    {
        private int _claims;

        public ConcurrentBag<string> Extended { get; } = [];

        public ConcurrentBag<string> Released { get; } = [];

        public override Task<IReadOnlyList<WorkItem>> ClaimAsync(string queue, string owner, int limit, TimeSpan lease, CancellationToken cancellationToken = default)
        {
            var turn = Interlocked.Increment(ref _claims) - 1;
            return Task.FromResult<IReadOnlyList<WorkItem>>(turn < items.Length ? [items[turn]] : []);
        }

        public override Task<bool> ExtendAsync(WorkItem item, TimeSpan lease, CancellationToken cancellationToken = default)
        {
            Extended.Add(item.LeaseToken);
            return Task.FromResult(true);
        }

        public override Task<bool> ReleaseAsync(WorkItem item, CancellationToken cancellationToken = default)
        {
            Released.Add(item.LeaseToken);
            return Task.FromResult(true);
        }
    }
}
