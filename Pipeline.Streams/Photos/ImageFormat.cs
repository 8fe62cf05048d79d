namespace Pipeline.Streams.Photos;

/// <summary>The formats photos are accepted in and served as.</summary>
public enum ImageFormat
{
    Jpeg,
    Png,
    Webp,
}

public static class ImageFormats
{
    public static string ContentType(this ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => "image/jpeg",
        ImageFormat.Png => "image/png",
        ImageFormat.Webp => "image/webp",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>The file extension and <c>?format=</c> value: <c>jpeg</c>, <c>png</c>, <c>webp</c>.</summary>
    public static string Extension(this ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => "jpeg",
        ImageFormat.Png => "png",
        ImageFormat.Webp => "webp",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    public static bool TryParseExtension(string? text, out ImageFormat format)
    {
        foreach (var candidate in Enum.GetValues<ImageFormat>())
        {
            if (string.Equals(text, candidate.Extension(), StringComparison.Ordinal))
            {
                format = candidate;
                return true;
            }
        }
        format = default;
        return false;
    }

    /// <summary>A media type of an accepted upload (parameters such as <c>charset</c> ignored); false for any other.</summary>
    public static bool TryParseContentType(string? mediaType, out ImageFormat format)
    {
        var bare = mediaType?.Split(';', 2)[0].Trim();
        foreach (var candidate in Enum.GetValues<ImageFormat>())
        {
            if (string.Equals(bare, candidate.ContentType(), StringComparison.OrdinalIgnoreCase))
            {
                format = candidate;
                return true;
            }
        }
        format = default;
        return false;
    }
}
