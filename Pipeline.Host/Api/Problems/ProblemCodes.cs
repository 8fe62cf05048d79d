namespace Pipeline.Host.Api.Problems;

/// <summary>The contract's problem codes, in one place so a typo cannot invent a new one.</summary>
internal static class ProblemCodes
{
    public const string ValidationFailed = "validation_failed";
    public const string Unauthorized = "unauthorized";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string InternalError = "internal_error";
    public const string Unavailable = "unavailable";
    public const string BatchNotFound = "batch_not_found";
    public const string InsufficientQuantity = "insufficient_quantity";
    public const string IdempotencyKeyReused = "idempotency_key_reused";
    public const string EventNotFound = "event_not_found";
    public const string MemberNotFound = "member_not_found";
    public const string RegistrationNotFound = "registration_not_found";
    public const string InvalidSignature = "invalid_signature";
    public const string OrderNotFound = "order_not_found";
    public const string OrderMismatch = "order_mismatch";
    public const string PaymentConflict = "payment_conflict";
    public const string AlreadyPaid = "already_paid";
    public const string AmountMismatch = "amount_mismatch";
    public const string PaymentProviderUnavailable = "payment_provider_unavailable";
    public const string NotPaid = "not_paid";
    public const string InvalidTicket = "invalid_ticket";
    public const string AlreadyCheckedIn = "already_checked_in";
    public const string PipelineNotFound = "pipeline_not_found";
    public const string InvalidUrl = "invalid_url";
    public const string WebhookEndpointNotFound = "webhook_endpoint_not_found";
    public const string DeliveryNotFound = "delivery_not_found";
    public const string RateLimited = "rate_limited";
    public const string UnsupportedImage = "unsupported_image";
    public const string InvalidImage = "invalid_image";
    public const string ImageTooLarge = "image_too_large";
    public const string PayloadTooLarge = "payload_too_large";
    public const string ImageNotFound = "image_not_found";
    public const string JobNotFound = "job_not_found";
    public const string JobNotReady = "job_not_ready";
    public const string NodeNotFound = "node_not_found";
}
