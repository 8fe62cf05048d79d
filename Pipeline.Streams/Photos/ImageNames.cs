using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Pipeline.Streams.Photos;

/// <summary>
/// Stored images are named for their content: the SHA-256 of the WebP bytes, in lowercase hex, plus <c>.webp</c>. The
/// same photo uploaded twice is one image, and a name never points at other bytes (the answers are cached for a year).
/// A variant is named for its photo, width and format, e.g. <c>{hash}-w64.jpeg</c>.
/// </summary>
public static partial class ImageNames
{
    public static string For(EncodedImage photo) =>
        Convert.ToHexStringLower(SHA256.HashData(photo.Data)) + "." + photo.Format.Extension();

    /// <summary>True for a stored photo's name (the hash and <c>.webp</c>, nothing else).</summary>
    public static bool IsPhoto(string name) => PhotoName().IsMatch(name);

    /// <param name="photo">A name <see cref="IsPhoto"/> accepts.</param>
    /// <param name="width">The variant's width, null for the photo's own.</param>
    public static string Variant(string photo, int? width, ImageFormat format)
    {
        if (!IsPhoto(photo))
        {
            throw new ArgumentException($"'{photo}' is not a photo's name.", nameof(photo));
        }
        var stem = photo[..^".webp".Length];
        return width is { } w ? $"{stem}-w{w}.{format.Extension()}" : $"{stem}.{format.Extension()}";
    }

    [GeneratedRegex("^[0-9a-f]{64}\\.webp$")]
    private static partial Regex PhotoName();
}
