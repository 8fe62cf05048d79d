using Pipeline.Actors.Photos;
using Pipeline.Streams.Photos;

namespace Pipeline.Host.Photos;

/// <summary>One answer of <c>GET /api/public/images/{name}</c>: the photo itself, or the photo at a width and in a format.</summary>
/// <param name="Name">The stored image's name, which is also its ETag.</param>
/// <param name="Width">Null: the photo's own width.</param>
internal sealed record PhotoVariant(string Name, int? Width, ImageFormat Format)
{
    /// <summary>
    /// <paramref name="photo"/> at <paramref name="width"/> (null: its own) in <paramref name="format"/> (null: WebP). A
    /// width the photo does not exceed is its own (never enlarged), so it makes no second image of the same pixels; the
    /// photo's own width as WebP is the photo itself.
    /// </summary>
    public static PhotoVariant Of(StoredImageInfo photo, int? width, ImageFormat? format)
    {
        var narrower = width is { } w && w < photo.Width ? width : null;
        var wanted = format ?? ImageFormat.Webp;
        return narrower is null && wanted == ImageFormat.Webp
            ? new PhotoVariant(photo.Name, null, wanted)
            : new PhotoVariant(ImageNames.Variant(photo.Name, narrower, wanted), narrower, wanted);
    }
}
