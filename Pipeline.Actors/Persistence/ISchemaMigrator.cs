namespace Pipeline.Actors.Persistence;

/// <summary>Brings the storage schema to the newest version; safe to run from several nodes at once.</summary>
public interface ISchemaMigrator
{
    /// <returns>The versions this call applied (empty when the schema was current).</returns>
    Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default);
}
