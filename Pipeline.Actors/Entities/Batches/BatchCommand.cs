using Pipeline.Actors.Engine;

namespace Pipeline.Actors.Entities.Batches;

public abstract record BatchCommand;

public sealed record CreateBatch(string Sku, long Quantity) : BatchCommand;

/// <param name="RequestHash">Fingerprint of the request body, to tell a replay from a reused key.</param>
public sealed record ConsumeBatch(long Quantity, string? IdempotencyKey, string RequestHash) : BatchCommand;

/// <summary>Reads the entity's current state (used by tests and operators; the API reads the read side).</summary>
public sealed record GetBatch : BatchCommand, IReadCommand;
