using Pipeline.Actors.Entities.Batches;

namespace Pipeline.Actors.ReadSide;

/// <summary>Batches as the read side holds them: written in the same transaction as their events.</summary>
public interface IBatchReadModel
{
    Task<BatchView?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Batches in creation order after <paramref name="afterPosition"/>; the position pages the list.</summary>
    Task<IReadOnlyList<(long Position, BatchView Batch)>> ListAsync(
        string? sku, long afterPosition, int limit, CancellationToken cancellationToken = default);
}
