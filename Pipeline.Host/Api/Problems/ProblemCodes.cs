namespace Pipeline.Host.Api.Problems;

/// <summary>The contract's problem codes, in one place so a typo cannot invent a new one.</summary>
internal static class ProblemCodes
{
    public const string ValidationFailed = "validation_failed";
    public const string Unauthorized = "unauthorized";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string InternalError = "internal_error";
    public const string BatchNotFound = "batch_not_found";
    public const string InsufficientQuantity = "insufficient_quantity";
    public const string IdempotencyKeyReused = "idempotency_key_reused";
    public const string Conflict = "conflict";
}
