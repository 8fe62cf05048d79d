namespace Pipeline.Actors.Engine;

/// <summary>
/// How an entity type's state becomes a snapshot and back. The snapshot is a plain record with a stable manifest
/// (<see cref="Serialization.JournalSerializer"/>), so a state class may keep mutable maps for speed.
/// </summary>
public interface ISnapshotBehavior<TState>
{
    object ToSnapshot(TState state);

    TState FromSnapshot(string key, object snapshot);
}
