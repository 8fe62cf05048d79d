namespace Pipeline.Actors.Engine;

/// <summary>What the entities of one type on this node did, for the metrics endpoint: counted by the entities themselves.</summary>
public sealed class EntityCounters
{
    private long _live;
    private long _recoveries;
    private long _passivations;
    private long _writes;
    private long _committed;
    private long _queued;

    public void Started() => Interlocked.Increment(ref _live);

    public void Stopped() => Interlocked.Decrement(ref _live);

    public void Recovered() => Interlocked.Increment(ref _recoveries);

    public void Passivated() => Interlocked.Increment(ref _passivations);

    public void Queued(int delta) => Interlocked.Add(ref _queued, delta);

    public void Written(int commands)
    {
        Interlocked.Increment(ref _writes);
        Interlocked.Add(ref _committed, commands);
    }

    /// <summary>An entity has one owner in the cluster and never loses an append race: conflicts stay 0 (the metric is kept for dashboards).</summary>
    public EntityStats Stats() => new(
        (int)Interlocked.Read(ref _live), Interlocked.Read(ref _recoveries), Interlocked.Read(ref _passivations),
        Interlocked.Read(ref _writes), Interlocked.Read(ref _committed), 0, (int)Interlocked.Read(ref _queued));
}
