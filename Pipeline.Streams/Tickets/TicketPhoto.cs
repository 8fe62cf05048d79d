using Pipeline.Streams.Photos;
using SkiaSharp;

namespace Pipeline.Streams.Tickets;

/// <summary>
/// Turns a member's encoded photo into the opaque square thumbnail a ticket shows: decoded with SkiaSharp at the
/// smallest scale the format allows, turned upright by its EXIF orientation, cropped to its centre square and
/// resampled. Stateless and safe to call from many threads.
/// </summary>
internal static class TicketPhoto
{
    /// <summary>Thumbnail side in pixels: 3 per point of a 56 pt square, ~216 dpi in print.</summary>
    public const int Pixels = 168;

    /// <summary>Larger sources are refused before decoding (a decompression bomb would take the render's memory).</summary>
    private const long MaxSourcePixels = 50_000_000;

    /// <summary>The thumbnail, or null when there is no photo or it cannot be decoded. Never throws for bad bytes.</summary>
    public static SKImage? TryThumbnail(byte[]? encoded)
    {
        if (encoded is null || encoded.Length == 0)
            return null;
        try
        {
            using var data = SKData.CreateCopy(encoded);
            using var codec = SKCodec.Create(data);
            if (codec is null)
                return null;
            using var decoded = Decode(codec);
            return decoded is null ? null : Thumbnail(decoded, codec.EncodedOrigin);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A photo is decoration: whatever the decoder makes of bad bytes, the ticket renders without it.
            return null;
        }
    }

    private static SKBitmap? Decode(SKCodec codec)
    {
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0 || (long)info.Width * info.Height > MaxSourcePixels)
            return null;
        // JPEG decodes at eighths of its size and WebP at any size for a fraction of a full decode; the 1/16 keeps
        // JPEG's rounding to the nearest eighth from landing below the thumbnail.
        var scale = Math.Min(1f, (float)Pixels / Math.Min(info.Width, info.Height) + 1f / 16);
        var size = codec.GetScaledDimensions(scale);
        var bitmap = new SKBitmap(new SKImageInfo(size.Width, size.Height, SKImageInfo.PlatformColorType, SKAlphaType.Premul));
        // IncompleteInput (a truncated file) would show a half-grey photo: leave it out instead.
        if (codec.GetPixels(bitmap.Info, bitmap.GetPixels()) != SKCodecResult.Success)
        {
            bitmap.Dispose();
            return null;
        }
        return bitmap;
    }

    private static SKImage Thumbnail(SKBitmap source, SKEncodedOrigin origin)
    {
        var side = Math.Min(source.Width, source.Height);
        var crop = SKRect.Create((source.Width - side) / 2, (source.Height - side) / 2, side, side);
        // Opaque (transparent parts on white), so the PDF writer may store it as a JPEG.
        using var surface = SKSurface.Create(new SKImageInfo(Pixels, Pixels, SKImageInfo.PlatformColorType, SKAlphaType.Opaque))
            ?? throw new InvalidOperationException("SkiaSharp could not create a raster surface.");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        // The centre square of the stored image, turned, is the centre square of the upright one.
        var upright = ImageOrientation.ToUpright(origin, Pixels, Pixels);
        canvas.Concat(in upright);
        using var image = SKImage.FromBitmap(source);
        // Bilinear from the nearest mipmap level: after a scaled decode that is the image itself, and a large
        // reduction (a PNG decodes only at full size) samples a level built by box filtering, so it does not alias.
        // ~0.1 ms; Skia's cubic resampler (1.1 ms) and trilinear blending (1.8 ms) look no better at 168 px.
        canvas.DrawImage(image, crop, SKRect.Create(Pixels, Pixels), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Nearest));
        return surface.Snapshot();
    }
}
