using Pipeline.Actors.Entities.Batches;

namespace Pipeline.Host.Api.Batches;

internal sealed record BatchResponse(string Id, string Sku, long Quantity, long Remaining, long Version, DateTimeOffset CreatedAt)
{
    public static BatchResponse From(BatchView view) =>
        new(view.Id, view.Sku, view.Quantity, view.Remaining, view.Version, view.CreatedAt);
}

internal sealed record ConsumeResponse(string BatchId, long Consumed, long Remaining, long Version);
