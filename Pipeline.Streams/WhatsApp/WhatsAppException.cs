namespace Pipeline.Streams.WhatsApp;

/// <summary>A failed attempt to deliver a document, classified so the pipeline knows whether trying again can help.</summary>
public sealed class WhatsAppException(string message, bool retryable, int? httpStatus = null, int? graphCode = null, Exception? inner = null)
    : Exception(message, inner)
{
    public bool Retryable { get; } = retryable;
    public int? HttpStatus { get; } = httpStatus;

    /// <summary>Graph API <c>error.code</c>, when the response carried one.</summary>
    public int? GraphCode { get; } = graphCode;
}
