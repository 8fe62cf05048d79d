namespace Pipeline.Actors.Runtime;

/// <summary>A snapshot of one entity type's runtime counters, summed over its shards.</summary>
public sealed record EntityRuntimeStats(
    int LiveEntities,
    long Recoveries,
    long Passivations,
    long Transactions,
    long CommandsCommitted,
    long Conflicts,
    int QueuedCommands);
