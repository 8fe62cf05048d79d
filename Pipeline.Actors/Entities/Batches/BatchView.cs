namespace Pipeline.Actors.Entities.Batches;

/// <summary>A batch as the read side stores it and the API shows it.</summary>
public sealed record BatchView(string Id, string Sku, long Quantity, long Remaining, long Version, DateTimeOffset CreatedAt);
