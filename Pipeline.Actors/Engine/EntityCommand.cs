namespace Pipeline.Actors.Engine;

/// <summary>What the shard region routes: the entity's key, for the message extractor.</summary>
public interface IEntityMessage
{
    string EntityKey { get; }
}

/// <summary>
/// A command for one entity with the time after which it must not be decided. An ask that times out does not stop a
/// message already on its way, so the entity drops a command whose deadline has passed and the caller knows that a
/// timed-out command either ran before its deadline or never will.
/// </summary>
public sealed record EntityCommand<TCommand>(string EntityKey, TCommand Command, DateTimeOffset Deadline) : IEntityMessage;

/// <summary>The entity's answer to a command it dropped because its deadline had passed: nothing was decided.</summary>
public sealed record CommandExpired(string EntityKey);

/// <summary>Stops an entity after the commands it holds (passivation and hand-off); never <c>PoisonPill</c>, which could overtake them.</summary>
public sealed record EntityStop
{
    public static readonly EntityStop Instance = new();
}
