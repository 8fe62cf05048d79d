namespace Pipeline.Host.Engine;

/// <summary>
/// A command that could not reach its entity in time (its node just died and its shards are moving, or it is
/// overloaded). The entity drops commands past their deadline, so nothing was applied: retrying is safe.
/// </summary>
public sealed class EntityUnavailableException(string entity, Exception? inner = null)
    : Exception($"{entity} could not be reached in time; nothing was applied.", inner);
