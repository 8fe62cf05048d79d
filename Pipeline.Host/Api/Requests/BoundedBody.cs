using System.Buffers;

namespace Pipeline.Host.Api.Requests;

/// <summary>A raw request body read whole, but never past a limit: an oversized body is refused, not buffered.</summary>
internal static class BoundedBody
{
    /// <summary>The body; null when it is longer than <paramref name="maxBytes"/> (by its Content-Length, or once that many bytes were read).</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, int maxBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }
        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 0);
        var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return null;
                }
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.ToArray();
    }
}
