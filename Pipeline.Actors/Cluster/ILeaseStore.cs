namespace Pipeline.Actors.Cluster;

/// <summary>
/// Named leases in the storage all nodes share: one holder each, until the holder releases it or stops renewing it. The
/// split brain resolver's lease (<see cref="StorageLease"/>) lives here, so of two sides that cannot see each other
/// only the one that takes the lease keeps running.
/// </summary>
public interface ILeaseStore
{
    /// <summary>
    /// Takes lease <paramref name="name"/> for <paramref name="owner"/> until <paramref name="ttl"/> from now, when nobody
    /// holds it, its holder let it expire, <paramref name="owner"/> holds it already (a renewal), or
    /// <paramref name="takeOverFrom"/> holds it (a hand-over the caller knows to be safe). True when
    /// <paramref name="owner"/> holds it now; false when someone else does.
    /// </summary>
    Task<bool> TryAcquireAsync(string name, string owner, TimeSpan ttl, string? takeOverFrom = null,
        CancellationToken cancellationToken = default);

    /// <summary>Who holds lease <paramref name="name"/> now (expired or not); null when nobody does.</summary>
    Task<string?> HolderAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Gives lease <paramref name="name"/> up if <paramref name="owner"/> holds it; nothing otherwise.</summary>
    Task ReleaseAsync(string name, string owner, CancellationToken cancellationToken = default);
}
