namespace Pipeline.Actors.Engine;

/// <summary>
/// What the entities of one type on this node did, for the metrics endpoint: counted by the entities themselves, and
/// timed on <see cref="EntityInstruments"/> when the host gives them (tests of the actor alone do not).
/// </summary>
public sealed class EntityCounters(string entityType = "", EntityInstruments? instruments = null)
{
    // One tag for the entity type, made once: recording it allocates nothing.
    private readonly KeyValuePair<string, object?> _entity = new("entity", entityType);
    private long _live;
    private long _recoveries;
    private long _passivations;
    private long _writes;
    private long _committed;
    private long _queued;
    private long _askTimeouts;

    public void Started() => Interlocked.Increment(ref _live);

    public void Stopped() => Interlocked.Decrement(ref _live);

    public void Recovered(TimeSpan took)
    {
        Interlocked.Increment(ref _recoveries);
        instruments?.Recovery.Record(took.TotalSeconds, _entity);
    }

    public void Passivated() => Interlocked.Increment(ref _passivations);

    public void Queued(int delta) => Interlocked.Add(ref _queued, delta);

    public void Written(int commands, TimeSpan took)
    {
        Interlocked.Increment(ref _writes);
        Interlocked.Add(ref _committed, commands);
        instruments?.JournalWrite.Record(took.TotalSeconds, _entity);
    }

    /// <summary>A command not answered in time (answered 503 <c>unavailable</c>, never applied).</summary>
    public void AskTimedOut() => Interlocked.Increment(ref _askTimeouts);

    /// <summary>An entity has one owner in the cluster and never loses an append race: conflicts stay 0 (the metric is kept for dashboards).</summary>
    public EntityStats Stats() => new(
        (int)Interlocked.Read(ref _live), Interlocked.Read(ref _recoveries), Interlocked.Read(ref _passivations),
        Interlocked.Read(ref _writes), Interlocked.Read(ref _committed), 0, (int)Interlocked.Read(ref _queued),
        Interlocked.Read(ref _askTimeouts));
}
