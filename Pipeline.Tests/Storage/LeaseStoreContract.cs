using Akka.Configuration;
using Akka.Coordination;
using Akka.Event;
using Pipeline.Actors.Cluster;
using Pipeline.Actors.Persistence;

namespace Pipeline.Tests.Storage;

public sealed class SqliteLeaseStoreTests() : LeaseStoreContract(new SqliteTestDatabase());

public sealed class PostgresLeaseStoreTests() : LeaseStoreContract(new PostgresTestDatabase());

/// <summary>
/// A named lease has one holder at a time, until it is released or its holder stops renewing it: the split brain
/// resolver's lease, through <see cref="StorageLease"/> as Akka uses it.
/// </summary>
public abstract class LeaseStoreContract(TestDatabase database) : StorageContract(database)
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_free_lease_goes_to_the_first_owner_who_renews_it_while_others_are_refused_until_it_is_released()
    {
        Assert.True(await Storage.Leases.TryAcquireAsync("sbr", "node-a", Long));
        Assert.False(await Storage.Leases.TryAcquireAsync("sbr", "node-b", Long));
        Assert.True(await Storage.Leases.TryAcquireAsync("sbr", "node-a", Long));
        Assert.True(await Storage.Leases.TryAcquireAsync("other", "node-b", Long));

        await Storage.Leases.ReleaseAsync("sbr", "node-b"); // not the holder: nothing happens
        Assert.False(await Storage.Leases.TryAcquireAsync("sbr", "node-b", Long));
        await Storage.Leases.ReleaseAsync("sbr", "node-a");
        Assert.True(await Storage.Leases.TryAcquireAsync("sbr", "node-b", Long));
    }

    [Fact]
    public async Task A_lease_whose_holder_stopped_renewing_goes_to_another_owner_once_it_expires()
    {
        Assert.True(await Storage.Leases.TryAcquireAsync("sbr", "node-a", TimeSpan.FromSeconds(1)));
        Assert.False(await Storage.Leases.TryAcquireAsync("sbr", "node-b", Long));

        await Task.Delay(TimeSpan.FromMilliseconds(1200));

        Assert.True(await Storage.Leases.TryAcquireAsync("sbr", "node-b", Long));
        Assert.False(await Storage.Leases.TryAcquireAsync("sbr", "node-a", Long));
    }

    [Fact]
    public async Task Twenty_owners_racing_for_one_free_lease_leave_exactly_one_holder()
    {
        using var start = new SemaphoreSlim(0);
        var takes = Enumerable.Range(0, 20).Select(async i =>
        {
            await start.WaitAsync();
            return await Storage.Leases.TryAcquireAsync("raced", $"node-{i}", Long);
        }).ToList();
        start.Release(20);

        var taken = await Task.WhenAll(takes);

        Assert.Equal(1, taken.Count(t => t));
        Assert.Equal(1, await Database.ScalarAsync("SELECT count(*) FROM leases WHERE name = 'raced'"));
    }

    [Fact]
    public async Task A_lease_is_handed_over_only_by_naming_its_current_holder()
    {
        Assert.True(await Storage.Leases.TryAcquireAsync("sbr", "node-a", Long));
        Assert.Equal("node-a", await Storage.Leases.HolderAsync("sbr"));

        Assert.False(await Storage.Leases.TryAcquireAsync("sbr", "node-b", Long, takeOverFrom: "node-c"));
        Assert.True(await Storage.Leases.TryAcquireAsync("sbr", "node-b", Long, takeOverFrom: "node-a"));
        Assert.Equal("node-b", await Storage.Leases.HolderAsync("sbr"));
        Assert.Null(await Storage.Leases.HolderAsync("never-taken"));
    }

    [Fact]
    public async Task The_akka_lease_waits_for_a_dead_holders_lease_to_run_out_then_takes_it()
    {
        Assert.True(await Storage.Leases.TryAcquireAsync("sbr-test", "dead-node", TimeSpan.FromMilliseconds(600)));
        var survivor = Lease("node-b", acquireWait: TimeSpan.FromSeconds(5));

        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(await survivor.Acquire());

        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5));
        Assert.True(survivor.CheckLease());
        Assert.Equal("node-b", await Storage.Leases.HolderAsync("sbr-test"));
        await survivor.Release();
    }

    [Fact]
    public async Task The_akka_lease_gives_up_on_a_live_holder_it_cannot_see_and_takes_over_from_one_it_can()
    {
        var holder = Lease("node-a");
        Assert.True(await holder.Acquire());

        // Cut off from node-a: it keeps renewing, so the lease stays out of reach for the whole wait.
        var otherSide = Lease("node-b", acquireWait: TimeSpan.FromMilliseconds(1500));
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(await otherSide.Acquire());
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(1500), $"gave up after {started.Elapsed}");
        Assert.True(holder.CheckLease());

        // A new leader on node-a's side: node-a is a reachable member, so its lease is this side's.
        var sameSide = Lease("node-c", onThisSide: "node-a", acquireWait: TimeSpan.FromMilliseconds(700));
        Assert.True(await sameSide.Acquire());
        Assert.Equal("node-c", await Storage.Leases.HolderAsync("sbr-test"));
        await sameSide.Release();
        await holder.Release();
    }

    [Fact]
    public async Task The_akka_lease_is_held_until_released_and_renews_itself_past_its_timeout()
    {
        var first = Lease("node-a");
        var second = Lease("node-b", acquireWait: TimeSpan.FromMilliseconds(500));

        Assert.True(await first.Acquire());
        Assert.True(first.CheckLease());
        Assert.False(await second.Acquire());

        await Task.Delay(TimeSpan.FromMilliseconds(3500)); // past its timeout: held only because it renewed
        Assert.True(first.CheckLease());
        Assert.False(await second.Acquire());

        Assert.True(await first.Release());
        Assert.False(first.CheckLease());
        Assert.True(await second.Acquire());
        Assert.True(second.CheckLease());
        Assert.True(await second.Release());
    }

    [Fact]
    public async Task The_akka_lease_reports_its_loss_when_a_renewal_finds_another_holder()
    {
        var lease = Lease("node-a");
        var lost = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(await lease.Acquire(e => lost.TrySetResult(e)));

        // As if node-a had been paused past its lease and node-b had taken it meanwhile.
        await Database.ScalarAsync("UPDATE leases SET owner = 'node-b' WHERE name = 'sbr-test' RETURNING 1");

        var reason = await lost.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.IsType<LeaseException>(reason);
        Assert.False(lease.CheckLease());
    }

    private StorageLease Lease(string owner, string? onThisSide = null, TimeSpan? acquireWait = null) => new(
        new LeaseSettings("sbr-test", owner,
            new TimeoutSettings(heartbeatInterval: TimeSpan.FromMilliseconds(300), heartbeatTimeout: TimeSpan.FromSeconds(3),
                operationTimeout: TimeSpan.FromSeconds(5)),
            acquireWait is { } wait ? ConfigurationFactory.ParseString($"acquire-wait = {wait.TotalMilliseconds}ms") : ConfigurationFactory.Empty),
        Storage.Leases, holder => holder == onThisSide, NoLogger.Instance);
}
