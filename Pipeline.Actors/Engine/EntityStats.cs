namespace Pipeline.Actors.Engine;

/// <summary>What the entities of one type on this node did, as counted by <see cref="EntityCounters"/>.</summary>
public sealed record EntityStats(
    int LiveEntities,
    long Recoveries,
    long Passivations,
    long Transactions,
    long CommandsCommitted,
    long Conflicts,
    int QueuedCommands,
    long AskTimeouts);
