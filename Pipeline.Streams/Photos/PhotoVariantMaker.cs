using SkiaSharp;

namespace Pipeline.Streams.Photos;

/// <summary>Another width or format of a stored photo, made from the stored WebP (once; the caller keeps it).</summary>
public static class PhotoVariantMaker
{
    /// <param name="stored">A photo as <see cref="PhotoOptimizer"/> made it.</param>
    /// <param name="width">The width wanted; a narrower photo keeps its own (never enlarged).</param>
    public static EncodedImage Make(byte[] stored, int width, ImageFormat format)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        using var data = SKData.CreateCopy(stored);
        using var codec = SKCodec.Create(data) ?? throw new InvalidOperationException("A stored photo could not be read.");
        using var resized = UprightDecoder.Decode(codec, width, int.MaxValue);
        return ImageEncoder.Encode(resized, format);
    }
}
