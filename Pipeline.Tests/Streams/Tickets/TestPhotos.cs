using SkiaSharp;

namespace Pipeline.Tests.Streams.Tickets;

/// <summary>Member photos made in memory with SkiaSharp, in the formats members upload.</summary>
internal static class TestPhotos
{
    /// <summary>A face-like picture: a brown disc on sky blue, with a red band across the top eighth.</summary>
    public static byte[] Portrait(SKEncodedImageFormat format, int width = 600, int height = 800)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { IsAntialias = true })
        {
            canvas.Clear(SKColors.SkyBlue);
            paint.Color = SKColors.SaddleBrown;
            canvas.DrawCircle(width / 2f, height / 2f, Math.Min(width, height) / 3f, paint);
            paint.Color = SKColors.Red;
            canvas.DrawRect(0, 0, width, height / 8f, paint);
        }
        return Encode(bitmap, format);
    }

    /// <summary>Horizontal bands of the given colours, top to bottom, of equal height.</summary>
    public static byte[] Bands(SKEncodedImageFormat format, int width, int height, params SKColor[] colors)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint())
        {
            for (var i = 0; i < colors.Length; i++)
            {
                paint.Color = colors[i];
                canvas.DrawRect(0, height * i / (float)colors.Length, width, height / (float)colors.Length, paint);
            }
        }
        return Encode(bitmap, format);
    }

    /// <summary>
    /// The JPEG with an EXIF block saying how to turn it upright (orientation 1-8), as phone cameras write it:
    /// an APP1 segment right after the start-of-image marker, a big-endian TIFF header and one IFD entry.
    /// </summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, // big-endian, first IFD at 8
            0, 1, // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, (byte)(orientation >> 8), (byte)orientation, 0, 0, // Orientation, SHORT, 1 value
            0, 0, 0, 0, // no next IFD
        ];
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        var length = payload.Length + 2;
        byte[] app1 = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload];
        return [.. jpeg[..2], .. app1, .. jpeg[2..]];
    }

    private static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format)
    {
        using var data = bitmap.Encode(format, 90) ?? throw new InvalidOperationException($"SkiaSharp cannot encode {format}.");
        return data.ToArray();
    }
}
