using Pipeline.Actors.Runtime;

namespace Pipeline.Tests.Actors.Entities;

/// <summary>One entity of a behavior run as the entity actor runs it, minus the actor: decide, then apply and keep each event.</summary>
internal sealed class BehaviorJournal<TState, TCommand, TEvent, TReply>(IEntityBehavior<TState, TCommand, TEvent, TReply> behavior, string key)
{
    public TState State { get; private set; } = behavior.Create(key);

    public List<TEvent> Events { get; } = [];

    public Decision<TEvent, TReply> Run(TCommand command, DateTimeOffset at)
    {
        var decision = behavior.Decide(State, command, at);
        foreach (var e in decision.Events)
        {
            State = behavior.Apply(State, e);
            Events.Add(e);
        }
        return decision;
    }
}
