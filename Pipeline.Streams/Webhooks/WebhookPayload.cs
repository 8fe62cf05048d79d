using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Pipeline.Streams.Webhooks;

/// <summary>
/// The body of a delivery, <c>{"type", "timestamp", "data"}</c>: the message's type, the time it was written (ISO 8601
/// UTC, fixed across retries) and its data as stored with the state change, copied in verbatim.
/// </summary>
public static class WebhookPayload
{
    public static byte[] Build(string type, DateTimeOffset createdAt, string data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var timestamp = createdAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        return Encoding.UTF8.GetBytes(
            "{\"type\":" + JsonSerializer.Serialize(type) + ",\"timestamp\":\"" + timestamp + "\",\"data\":" + data + "}");
    }
}
