using SkiaSharp;

namespace Pipeline.Streams.Photos;

/// <summary>
/// Turns an uploaded photo into the one stored: checked by its bytes (format and, from the header, size), decoded,
/// turned upright, fitted within <see cref="PhotoLimits.MaxEdge"/> px and re-encoded as lossy WebP, which leaves every
/// piece of metadata (EXIF with its location, XMP, ICC) behind.
/// </summary>
public static class PhotoOptimizer
{
    /// <exception cref="ImageRejectedException">Not JPEG, PNG or WebP; undecodable or truncated; or over <see cref="PhotoLimits.MaxPixels"/>.</exception>
    public static EncodedImage Optimize(byte[] upload)
    {
        ArgumentNullException.ThrowIfNull(upload);
        var format = ImageSignature.Detect(upload)
            ?? throw new ImageRejectedException(ImageRejection.Unsupported, "The body is not a JPEG, PNG or WebP image.");
        var (width, height) = ImageHeader.Dimensions(upload, format)
            ?? throw new ImageRejectedException(ImageRejection.Invalid, $"The {format.Extension()} header is missing or malformed.");
        RefuseTooManyPixels(width, height);

        using var data = SKData.CreateCopy(upload);
        using var codec = SKCodec.Create(data)
            ?? throw new ImageRejectedException(ImageRejection.Invalid, $"The {format.Extension()} image could not be read.");
        RefuseTooManyPixels(codec.Info.Width, codec.Info.Height); // the decoder's own reading, in case it differs
        using var upright = UprightDecoder.Decode(codec, PhotoLimits.MaxEdge, PhotoLimits.MaxEdge);
        return ImageEncoder.Encode(upright, ImageFormat.Webp);
    }

    private static void RefuseTooManyPixels(int width, int height)
    {
        if ((long)width * height > PhotoLimits.MaxPixels)
        {
            throw new ImageRejectedException(ImageRejection.TooManyPixels,
                $"The image is {width} x {height} px, more than {PhotoLimits.MaxPixels / 1_000_000} megapixels.");
        }
    }
}
