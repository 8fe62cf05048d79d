using Akka.Actor;
using Akka.Coordination;
using Akka.DependencyInjection;
using Akka.Event;
using Pipeline.Actors.Persistence;

namespace Pipeline.Actors.Cluster;

/// <summary>
/// A <see cref="Lease"/> kept in the storage every node shares (<see cref="ILeaseStore"/>), for the split brain
/// resolver's lease-majority strategy: of two sides that cannot see each other, the one that takes the lease downs the
/// other and keeps running. That is what lets a two-node cluster survive either node's crash (keep-majority has no
/// majority of two, and keep-oldest downs the survivor when the oldest dies). Akka creates it from <c>lease-class</c>;
/// the store comes from the host's services.
/// </summary>
/// <remarks>
/// <para>Held, it is renewed every <c>heartbeat-interval</c> for <c>heartbeat-timeout</c>. A renewal that finds another
/// holder, or fails until the lease has run out, loses it and tells Akka through the acquire callback.</para>
/// <para>The resolver reverses its decision (downs its own side) when it cannot take the lease, so an acquire does not
/// give up at once: it keeps trying for <c>acquire-wait</c> (default: heartbeat-timeout + heartbeat-interval), long
/// enough for a dead holder's lease to run out, and shorter than the resolver's <c>release-after</c>, so a side cut off
/// from a live holder still gives up while that holder keeps it. A holder this node sees as an Up, reachable member is
/// on this side of any partition: its lease is this side's, and is taken over at once (the resolver's leader changed).</para>
/// </remarks>
public sealed class StorageLease : Lease
{
    private readonly Lazy<ILeaseStore> _store;
    private readonly Func<string, bool> _isOnThisSide;
    private readonly ILoggingAdapter _log;
    private readonly TimeSpan _acquireWait;
    private readonly object _gate = new();
    private CancellationTokenSource? _renewals;
    private DateTimeOffset _heldUntil = DateTimeOffset.MinValue;

    /// <summary>As Akka creates it: the store is looked up on first use (the cluster daemon makes its lease even when it starts during a shutdown).</summary>
    public StorageLease(LeaseSettings settings, ExtendedActorSystem system)
        : this(settings, new Lazy<ILeaseStore>(() => DependencyResolver.For(system).Resolver.GetService<IStorage>().Leases),
            holder => IsReachableMember(Akka.Cluster.Cluster.Get(system), holder), Logging.GetLogger(system, typeof(StorageLease)))
    {
    }

    /// <param name="isOnThisSide">Whether a holder (an owner name) is a member this node sees as Up and reachable.</param>
    public StorageLease(LeaseSettings settings, ILeaseStore store, Func<string, bool> isOnThisSide, ILoggingAdapter log)
        : this(settings, new Lazy<ILeaseStore>(store), isOnThisSide, log)
    {
    }

    private StorageLease(LeaseSettings settings, Lazy<ILeaseStore> store, Func<string, bool> isOnThisSide, ILoggingAdapter log) : base(settings)
    {
        _store = store;
        _isOnThisSide = isOnThisSide;
        _log = log;
        var timeouts = settings.TimeoutSettings;
        _acquireWait = settings.LeaseConfig.HasPath("acquire-wait")
            ? settings.LeaseConfig.GetTimeSpan("acquire-wait")
            : timeouts.HeartbeatTimeout + timeouts.HeartbeatInterval;
    }

    private TimeSpan Ttl => Settings.TimeoutSettings.HeartbeatTimeout;

    public override Task<bool> Acquire() => Acquire(_ => { });

    public override async Task<bool> Acquire(Action<Exception> leaseLostCallback)
    {
        var giveUpAt = DateTimeOffset.UtcNow + _acquireWait;
        while (true)
        {
            var asked = DateTimeOffset.UtcNow;
            if (await TryTakeAsync(CancellationToken.None).ConfigureAwait(false))
            {
                Hold(asked, leaseLostCallback);
                return true;
            }
            if (DateTimeOffset.UtcNow >= giveUpAt)
            {
                _log.Warning("Lease {0} is held by another side: not taken within {1}", Settings.LeaseName, _acquireWait);
                return false;
            }
            await Task.Delay(Settings.TimeoutSettings.HeartbeatInterval).ConfigureAwait(false);
        }
    }

    public override async Task<bool> Release()
    {
        lock (_gate)
        {
            _renewals?.Cancel();
            _renewals = null;
            _heldUntil = DateTimeOffset.MinValue;
        }
        using var timeout = new CancellationTokenSource(Settings.TimeoutSettings.OperationTimeout);
        await _store.Value.ReleaseAsync(Settings.LeaseName, Settings.OwnerName, timeout.Token).ConfigureAwait(false);
        return true;
    }

    public override bool CheckLease()
    {
        lock (_gate)
        {
            return _renewals is not null && DateTimeOffset.UtcNow < _heldUntil;
        }
    }

    /// <summary>Free, expired or ours: taken. Held by a member on this side: taken over. Otherwise not (or the storage failed).</summary>
    private async Task<bool> TryTakeAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await TakeAsync(null, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
            using var timeout = Timeout(cancellationToken);
            var holder = await _store.Value.HolderAsync(Settings.LeaseName, timeout.Token).ConfigureAwait(false);
            if (holder is null || !_isOnThisSide(holder))
            {
                return false;
            }
            _log.Info("Taking lease {0} over from {1}, a reachable member", Settings.LeaseName, holder);
            return await TakeAsync(holder, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _log.Warning(e, "Taking lease {0} failed", Settings.LeaseName);
            return false;
        }
    }

    private async Task<bool> TakeAsync(string? takeOverFrom, CancellationToken cancellationToken)
    {
        using var timeout = Timeout(cancellationToken);
        return await _store.Value.TryAcquireAsync(Settings.LeaseName, Settings.OwnerName, Ttl, takeOverFrom, timeout.Token).ConfigureAwait(false);
    }

    private CancellationTokenSource Timeout(CancellationToken cancellationToken)
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Settings.TimeoutSettings.OperationTimeout);
        return timeout;
    }

    private void Hold(DateTimeOffset asked, Action<Exception> leaseLostCallback)
    {
        lock (_gate)
        {
            // Counted from before the request: the storage's expiry is later than this, never earlier.
            _heldUntil = asked + Ttl;
            _renewals?.Cancel();
            _renewals = new CancellationTokenSource();
            _ = RenewAsync(leaseLostCallback, _renewals.Token);
        }
    }

    private async Task RenewAsync(Action<Exception> leaseLostCallback, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(Settings.TimeoutSettings.HeartbeatInterval, cancellationToken).ConfigureAwait(false);
                var asked = DateTimeOffset.UtcNow;
                bool renewed;
                try
                {
                    renewed = await TakeAsync(null, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // One failed renewal is not a loss while the lease has time left: try again next beat.
                    _log.Warning(e, "Renewing lease {0} failed", Settings.LeaseName);
                    if (!CheckLease())
                    {
                        Lose(leaseLostCallback, new LeaseException($"Lease {Settings.LeaseName} expired: its renewals failed", e), cancellationToken);
                        return;
                    }
                    continue;
                }
                if (!renewed)
                {
                    Lose(leaseLostCallback, new LeaseException($"Lease {Settings.LeaseName} is held by another owner"), cancellationToken);
                    return;
                }
                lock (_gate)
                {
                    if (!cancellationToken.IsCancellationRequested)
                    {
                        _heldUntil = asked + Ttl;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Released (or acquired again, with a new renewal loop).
        }
    }

    private void Lose(Action<Exception> leaseLostCallback, Exception reason, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            _renewals = null;
            _heldUntil = DateTimeOffset.MinValue;
        }
        _log.Warning("Lost lease {0}: {1}", Settings.LeaseName, reason.Message);
        leaseLostCallback(reason);
    }

    /// <summary>
    /// The resolver names a lease's owner by the node's address as <c>system@host:port</c> (seen in the <c>leases</c> table):
    /// a holder is on this side when
    /// a member at that address is Up and not unreachable from here.
    /// </summary>
    private static bool IsReachableMember(Akka.Cluster.Cluster cluster, string holder)
    {
        var state = cluster.State;
        return state.Members.Any(m => m.Status == Akka.Cluster.MemberStatus.Up
            && !state.Unreachable.Contains(m)
            && holder == $"{m.Address.System}@{m.Address.Host}:{m.Address.Port}");
    }
}
