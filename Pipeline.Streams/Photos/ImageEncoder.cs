using SkiaSharp;

namespace Pipeline.Streams.Photos;

/// <summary>
/// Encodes pixels as WebP, JPEG or PNG with nothing but the pixels: no EXIF, no XMP, no ICC profile (the pixels are
/// sRGB, which every viewer assumes without one).
/// </summary>
internal static class ImageEncoder
{
    public static EncodedImage Encode(SKBitmap bitmap, ImageFormat format)
    {
        using var pixels = bitmap.PeekPixels();
        using var bare = pixels.WithColorSpace(null!); // no colour space: the encoders then embed no profile
        using var data = format switch
        {
            ImageFormat.Webp => bare.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossy, PhotoLimits.WebpQuality)),
            ImageFormat.Png => bare.Encode(SKPngEncoderOptions.Default),
            ImageFormat.Jpeg => EncodeJpeg(bitmap),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
        };
        return data is null
            ? throw new InvalidOperationException($"Encoding a {bitmap.Width}x{bitmap.Height} picture as {format} failed.")
            : new EncodedImage(data.ToArray(), format, bitmap.Width, bitmap.Height);
    }

    /// <summary>JPEG has no alpha: transparent parts become white (as on a page), not the black of their bare colour values.</summary>
    private static SKData? EncodeJpeg(SKBitmap bitmap)
    {
        using var flat = new SKBitmap(new SKImageInfo(bitmap.Width, bitmap.Height, SKImageInfo.PlatformColorType, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(flat))
        {
            canvas.Clear(SKColors.White);
            using var image = SKImage.FromBitmap(bitmap);
            canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest), null);
        }
        using var pixels = flat.PeekPixels();
        return pixels.Encode(new SKJpegEncoderOptions(PhotoLimits.JpegQuality, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore));
    }
}
