namespace Pipeline.Actors.Runtime;

/// <summary>
/// The domain of one entity type as functions over its state. The entity actor (<c>Engine/EntityActor</c>) owns the
/// threading, the journal and the replies, and the journal projection asks <see cref="Project"/> for the read side;
/// a behavior never does I/O.
/// </summary>
/// <remarks>
/// <see cref="Apply"/> may mutate and return the state it is given: hot entities carry large maps
/// (idempotency keys), and copying them per event would make each command O(n). The entity actor
/// never keeps a state whose events failed to persist; it recovers from the journal instead.
/// </remarks>
public interface IEntityBehavior<TState, TCommand, TEvent, TReply>
{
    /// <summary>Prefix of the journal id, e.g. <c>batch</c>: the entity id is <c>batch/{key}</c>.</summary>
    string EntityType { get; }

    TState Create(string key);

    Decision<TEvent, TReply> Decide(TState state, TCommand command, DateTimeOffset now);

    TState Apply(TState state, TEvent @event);

    /// <summary>Read-side rows that reflect <paramref name="state"/> after the given events were applied.</summary>
    IReadOnlyList<object> Project(TState state, IReadOnlyList<TEvent> events);
}
