using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Streams.WhatsApp;

/// <summary>
/// The WhatsApp Cloud API: <c>POST {BaseUrl}/{PhoneNumberId}/media</c> (multipart PDF) then
/// <c>POST {BaseUrl}/{PhoneNumberId}/messages</c> (document by media id), both with the Bearer token.
/// The caller bounds the whole attempt with <see cref="WhatsAppOptions.AttemptTimeout"/>.
/// </summary>
public sealed class WhatsAppCloudSender(HttpClient http, WhatsAppOptions options) : IWhatsAppSender
{
    public async Task<string> SendDocumentAsync(string toE164, byte[] document, string filename, string caption, CancellationToken cancellationToken)
    {
        using var activity = Telemetry.PipelineTracing.StartWhatsAppSend(filename); // the two HTTP calls are its children
        var mediaId = await UploadAsync(document, filename, cancellationToken);
        var message = new DocumentMessage(
            "whatsapp", "individual", toE164.TrimStart('+'), "document", new DocumentRef(mediaId, filename, caption));
        using var response = await SendAsync(HttpMethod.Post, "messages", JsonContent.Create(message), cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<MessagesResponse>(cancellationToken);
        return body?.Messages is [{ Id: { Length: > 0 } id }, ..]
            ? id
            : throw new WhatsAppException("The messages response carried no message id.", retryable: true, (int)response.StatusCode);
    }

    private async Task<string> UploadAsync(byte[] document, string filename, CancellationToken cancellationToken)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("whatsapp"), "messaging_product" },
            { new StringContent("application/pdf"), "type" },
        };
        var file = new ByteArrayContent(document);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        form.Add(file, "file", filename);
        using var response = await SendAsync(HttpMethod.Post, "media", form, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<MediaResponse>(cancellationToken);
        return body?.Id is { Length: > 0 } id
            ? id
            : throw new WhatsAppException("The media response carried no media id.", retryable: true, (int)response.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, $"{options.BaseUrl.TrimEnd('/')}/{options.PhoneNumberId}/{path}") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.AccessToken);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new WhatsAppException($"WhatsApp {path} request failed: {ex.Message}", retryable: true, inner: ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WhatsAppException($"WhatsApp {path} request timed out.", retryable: true, inner: ex);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        using (response)
        {
            var error = await ReadErrorAsync(response, cancellationToken);
            var retryable = WhatsAppErrorClassifier.IsRetryable(response.StatusCode, error?.Code);
            throw new WhatsAppException(
                $"WhatsApp {path} answered {(int)response.StatusCode}" + (error is null ? "" : $" code {error.Code}: {error.Message}") +
                (error?.FbtraceId is { } trace ? $" (fbtrace_id {trace})" : ""),
                retryable, (int)response.StatusCode, error?.Code);
        }
    }

    private static async Task<GraphError?> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            return (await response.Content.ReadFromJsonAsync<GraphErrorEnvelope>(ct))?.Error;
        }
        catch (JsonException)
        {
            return null; // not Graph's envelope (a proxy's page, say): the status decides
        }
    }

    private sealed record DocumentMessage(
        [property: JsonPropertyName("messaging_product")] string MessagingProduct,
        [property: JsonPropertyName("recipient_type")] string RecipientType,
        [property: JsonPropertyName("to")] string To,
        [property: JsonPropertyName("type")] string Type,
        [property: JsonPropertyName("document")] DocumentRef Document);

    private sealed record DocumentRef(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("filename")] string Filename,
        [property: JsonPropertyName("caption")] string Caption);

    private sealed record MediaResponse([property: JsonPropertyName("id")] string? Id);

    private sealed record MessagesResponse([property: JsonPropertyName("messages")] MessageId[]? Messages);

    private sealed record MessageId([property: JsonPropertyName("id")] string? Id);

    private sealed record GraphErrorEnvelope([property: JsonPropertyName("error")] GraphError? Error);

    private sealed record GraphError(
        [property: JsonPropertyName("code")] int Code,
        [property: JsonPropertyName("message")] string? Message,
        [property: JsonPropertyName("fbtrace_id")] string? FbtraceId);
}
