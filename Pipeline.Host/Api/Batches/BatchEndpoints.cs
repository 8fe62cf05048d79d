using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.ReadSide;
using Pipeline.Actors.Runtime;
using Pipeline.Host.Api.Paging;
using Pipeline.Host.Api.Problems;
using Pipeline.Host.Api.Requests;
using Pipeline.Host.Engine;
using Pipeline.Host.ReadSide;
using Pipeline.Host.Operations.RateLimiting;

namespace Pipeline.Host.Api.Batches;


/// <summary>Inventory batches (admin): create, read, list by sku, consume with an optional Idempotency-Key.</summary>
internal static class BatchEndpoints
{
    public const long MaxBatchQuantity = 1_000_000_000_000;
    public const long MaxConsumeQuantity = 1_000_000_000;
    public const int MaxSkuLength = 100;
    public const int MaxIdempotencyKeyLength = 255;
    private const string IdPrefix = "bat";

    public static void MapBatchEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapPost("/api/batches", CreateAsync);
        admin.MapGet("/api/batches/{batchId}", GetAsync);
        admin.MapGet("/api/batches", ListAsync);
        admin.MapPost("/api/batches/{batchId}/consume", ConsumeAsync).RequireRateLimiting(RateLimitingSetup.BatchConsume);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, BatchClient batches)
    {
        var (body, problem) = await JsonRequest.ReadAsync(request);
        if (body is null) return problem!;
        var sku = body.String("sku", MaxSkuLength);
        var quantity = body.Integer("quantity", 1, MaxBatchQuantity);
        if (!body.IsValid) return body.Problem();

        var id = OpaqueId.New(IdPrefix);
        var reply = await batches.AskAsync(id, new CreateBatch(sku!, quantity!.Value), request.HttpContext.RequestAborted);
        return reply switch
        {
            BatchReply.Created created => Results.Created($"/api/batches/{id}", BatchResponse.From(created.Batch)),
            _ => Unexpected(reply),
        };
    }

    /// <summary>One batch is read from its entity: always current, on any node.</summary>
    private static async Task<IResult> GetAsync(string batchId, BatchClient batches, CancellationToken ct)
    {
        if (!IsBatchId(batchId)) return BatchNotFound();
        return await batches.AskAsync(batchId, new GetBatch(), ct) switch
        {
            BatchReply.Current current => Results.Ok(BatchResponse.From(current.Batch)),
            BatchReply.NotFound => BatchNotFound(),
            var reply => Unexpected(reply),
        };
    }

    /// <summary>Lists come from the read side, once the projection has applied every write committed before the request.</summary>
    private static async Task<IResult> ListAsync(HttpRequest request, IBatchReadModel batches, ReadSideCatchUp catchUp, CancellationToken ct)
    {
        if (!PageRequest.TryParse(request, out var page, out var problem)) return problem!;
        await catchUp.WaitAsync(ct);
        var sku = request.Query["sku"].ToString();
        var rows = await batches.ListAsync(sku.Length == 0 ? null : sku, page.AfterPosition, page.Limit + 1, ct);
        return Results.Ok(Page<BatchResponse>.From(rows, page.Limit, r => r.Position, r => BatchResponse.From(r.Batch)));
    }

    private static async Task<IResult> ConsumeAsync(string batchId, HttpRequest request, HttpResponse response, BatchClient batches)
    {
        var (body, problem) = await JsonRequest.ReadAsync(request);
        if (body is null) return problem!;
        var quantity = body.Integer("quantity", 1, MaxConsumeQuantity);
        var key = request.Headers["Idempotency-Key"].ToString();
        if (request.Headers.ContainsKey("Idempotency-Key") && (key.Length is 0 or > MaxIdempotencyKeyLength))
        {
            body.AddError("Idempotency-Key", $"must be 1 to {MaxIdempotencyKeyLength} characters.");
        }
        if (!body.IsValid) return body.Problem();
        if (!IsBatchId(batchId)) return BatchNotFound();

        // The fingerprint is of the parsed request, so the same quantity sent with other spacing is the same request.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("consume:" + quantity!.Value.ToString(CultureInfo.InvariantCulture))));
        var command = new ConsumeBatch(quantity.Value, key.Length == 0 ? null : key, hash);
        var reply = await batches.AskAsync(batchId, command, request.HttpContext.RequestAborted);
        switch (reply)
        {
            case BatchReply.Consumed consumed:
                if (consumed.Replayed) response.Headers["Idempotent-Replayed"] = "true";
                return Results.Ok(new ConsumeResponse(consumed.BatchId, consumed.Quantity, consumed.Remaining, consumed.Version));
            case BatchReply.InsufficientQuantity insufficient:
                if (insufficient.Replayed) response.Headers["Idempotent-Replayed"] = "true";
                return ApiProblem.Create(StatusCodes.Status409Conflict, ProblemCodes.InsufficientQuantity,
                    "Not enough quantity remains in the batch.",
                    $"Asked for {quantity.Value}, {insufficient.Remaining} remaining.",
                    new Dictionary<string, object?> { ["remaining"] = insufficient.Remaining });
            case BatchReply.IdempotencyKeyReused:
                return ApiProblem.Create(StatusCodes.Status422UnprocessableEntity, ProblemCodes.IdempotencyKeyReused,
                    "This Idempotency-Key was used with a different request.",
                    "Use a new key for a new request; resend the same body to get the first response again.");
            case BatchReply.NotFound:
                return BatchNotFound();
            default:
                return Unexpected(reply);
        }
    }

    private static bool IsBatchId(string id) => id.Length <= 64 && id.StartsWith(IdPrefix + "_", StringComparison.Ordinal);

    private static IResult BatchNotFound() => ApiProblem.NotFound(ProblemCodes.BatchNotFound, "The batch");

    private static IResult Unexpected(BatchReply reply) =>
        throw new InvalidOperationException($"Unexpected batch reply {reply.GetType().Name}.");
}
