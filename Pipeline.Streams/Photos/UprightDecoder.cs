using SkiaSharp;

namespace Pipeline.Streams.Photos;

/// <summary>Decodes a picture upright (EXIF orientation applied) and scaled to fit a box, in sRGB.</summary>
internal static class UprightDecoder
{
    /// <exception cref="ImageRejectedException">The data is truncated or corrupt.</exception>
    public static SKBitmap Decode(SKCodec codec, int maxWidth, int maxHeight)
    {
        var origin = codec.EncodedOrigin;
        var swap = ImageOrientation.SwapsAxes(origin);
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        var (uprightWidth, uprightHeight) = swap ? (height, width) : (width, height);
        var (targetWidth, targetHeight) = ImageFit.Within(uprightWidth, uprightHeight, maxWidth, maxHeight);

        using var stored = DecodeStored(codec, swap ? targetHeight : targetWidth, swap ? targetWidth : targetHeight);
        var opaque = stored.AlphaType == SKAlphaType.Opaque;
        var target = new SKBitmap(new SKImageInfo(targetWidth, targetHeight, SKImageInfo.PlatformColorType,
            opaque ? SKAlphaType.Opaque : SKAlphaType.Premul, SKColorSpace.CreateSrgb()));
        using var canvas = new SKCanvas(target);
        canvas.Clear(SKColors.Transparent);
        var (decodedWidth, decodedHeight) = swap ? (stored.Height, stored.Width) : (stored.Width, stored.Height);
        var scaleX = (float)targetWidth / decodedWidth;
        var scaleY = (float)targetHeight / decodedHeight;
        canvas.Scale(scaleX, scaleY);
        var upright = ImageOrientation.ToUpright(origin, stored.Width, stored.Height);
        canvas.Concat(in upright);
        using var image = SKImage.FromBitmap(stored);
        canvas.DrawImage(image, 0, 0, Sampling(Math.Min(scaleX, scaleY)), null);
        canvas.Flush();
        return target;
    }

    /// <summary>
    /// Cubic (Mitchell) for moderate reductions; past half size a cubic skips pixels and aliases, so mipmaps
    /// (trilinear) then; none at 1:1, where the draw only turns the picture and must not blur it.
    /// </summary>
    private static SKSamplingOptions Sampling(float scale) => scale switch
    {
        >= 0.999f => new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None),
        >= 0.5f => new SKSamplingOptions(SKCubicResampler.Mitchell),
        _ => new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear),
    };

    /// <summary>
    /// The stored pixels, at the smallest size the codec can decode to directly (JPEG in eighths, WebP any) that is
    /// still at least the target: a 24 MP camera JPEG then never exists in memory at full size.
    /// </summary>
    private static SKBitmap DecodeStored(SKCodec codec, int minWidth, int minHeight)
    {
        var size = codec.Info.Size;
        for (var eighths = 1; eighths < 8 && minWidth < size.Width; eighths++)
        {
            var scaled = codec.GetScaledDimensions(eighths / 8f);
            if (scaled.Width >= minWidth && scaled.Height >= minHeight)
            {
                size = scaled;
                break;
            }
        }
        var alpha = codec.Info.AlphaType == SKAlphaType.Opaque ? SKAlphaType.Opaque : SKAlphaType.Premul;
        var info = new SKImageInfo(size.Width, size.Height, SKImageInfo.PlatformColorType, alpha, SKColorSpace.CreateSrgb());
        var bitmap = new SKBitmap(info);
        var result = bitmap.GetPixels() == IntPtr.Zero ? SKCodecResult.InternalError : codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            // IncompleteInput included: the decoder fills what is missing with blank pixels, which is no photo.
            throw new ImageRejectedException(ImageRejection.Invalid, $"The image could not be decoded ({result}).");
        }
        return bitmap;
    }
}
