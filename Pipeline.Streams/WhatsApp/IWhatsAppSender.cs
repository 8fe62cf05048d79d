namespace Pipeline.Streams.WhatsApp;

/// <summary>Delivers one PDF document to one WhatsApp number: upload, then a document message.</summary>
public interface IWhatsAppSender
{
    /// <param name="toE164">The recipient, e.g. <c>+919876543210</c>.</param>
    /// <returns>The accepted message id (<c>wamid...</c>).</returns>
    /// <exception cref="WhatsAppException">The attempt failed; <see cref="WhatsAppException.Retryable"/> says whether to try again.</exception>
    Task<string> SendDocumentAsync(string toE164, byte[] document, string filename, string caption, CancellationToken cancellationToken);
}
