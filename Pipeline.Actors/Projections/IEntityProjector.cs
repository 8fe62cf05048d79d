namespace Pipeline.Actors.Projections;

/// <summary>Turns one entity type's journaled events into read-side rows (see <see cref="EntityProjector{TState,TCommand,TEvent,TReply}"/>).</summary>
public interface IEntityProjector
{
    /// <summary>The persistence id prefix of the type (<c>batch</c> for <c>batch/{key}</c>).</summary>
    string EntityType { get; }

    /// <summary>The sequence number this projector's copy of the entity has reached (0: none held).</summary>
    long SeqOf(string persistenceId);

    /// <summary>Applies one event; <paramref name="seq"/> must follow <see cref="SeqOf"/> (history is read first otherwise).</summary>
    void Apply(string persistenceId, long seq, object @event, bool project);

    /// <summary>The read-side rows of every entity changed since the last call.</summary>
    IReadOnlyList<object> TakeViews();

    /// <summary>Forgets every copy (after a failed write of the rows they produced: they are rebuilt from the journal).</summary>
    void Reset();
}
