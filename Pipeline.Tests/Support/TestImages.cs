using System.Buffers.Binary;
using System.Text;
using SkiaSharp;

namespace Pipeline.Tests.Support;

/// <summary>Real images made with SkiaSharp for the photo tests, and the few byte-level crafts SkiaSharp cannot write.</summary>
public static class TestImages
{
    public static readonly SKColor Marker = SKColors.Red;
    public static readonly SKColor Background = SKColors.Blue;

    /// <summary>
    /// A blue <paramref name="width"/> x <paramref name="height"/> picture with a red block in its stored top-left corner
    /// (a fifth of each side), so a test can see where that corner ends up.
    /// </summary>
    public static byte[] Marked(int width, int height, SKEncodedImageFormat format, int quality = 92)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(Background);
            using var paint = new SKPaint { Color = Marker };
            canvas.DrawRect(0, 0, width / 5f, height / 5f, paint);
        }
        return Encode(bitmap, format, quality);
    }

    /// <summary>A detailed picture (rings), whose size after optimizing says something about compression.</summary>
    public static byte[] Detailed(int width, int height, SKEncodedImageFormat format, int quality = 90)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using var paint = new SKPaint { Color = SKColors.DarkSlateGray, IsAntialias = true, StrokeWidth = 3, Style = SKPaintStyle.Stroke };
            for (var radius = 10; radius < Math.Max(width, height); radius += 37)
            {
                canvas.DrawCircle(width / 2f, height / 2f, radius, paint);
            }
        }
        return Encode(bitmap, format, quality);
    }

    /// <summary>A PNG whose left half is opaque red and right half fully transparent.</summary>
    public static byte[] HalfTransparentPng(int width = 200, int height = 100)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(SKColors.Transparent);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var paint = new SKPaint { Color = Marker };
            canvas.DrawRect(0, 0, width / 2f, height, paint);
        }
        return Encode(bitmap, SKEncodedImageFormat.Png, 100);
    }

    /// <summary>
    /// <paramref name="jpeg"/> with an EXIF APP1 segment right after its SOI marker holding one tag, Orientation =
    /// <paramref name="orientation"/> (1-8): a big-endian TIFF header and one IFD of one entry. SkiaSharp writes no EXIF.
    /// </summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        var tiff = new byte[26];
        "MM"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(4), 8);      // first IFD at offset 8
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(8), 1);      // one entry
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(10), 0x0112); // Orientation
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(12), 3);     // SHORT
        BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(14), 1);     // count
        BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(18), orientation); // value, left-justified in the 4 bytes
        // tiff[22..26]: next IFD offset 0 (none)
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        var segment = new byte[4 + payload.Length];
        segment[0] = 0xFF;
        segment[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(payload.Length + 2));
        payload.CopyTo(segment, 4);
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }

    /// <summary>
    /// A PNG that is only a signature and an IHDR chunk (valid CRC) claiming <paramref name="width"/> x
    /// <paramref name="height"/>, RGBA 8 bit: no pixel data at all, the shape of a decompression bomb's header.
    /// </summary>
    public static byte[] PngHeaderOnly(int width, int height)
    {
        var chunk = new byte[4 + 13];
        "IHDR"u8.CopyTo(chunk);
        BinaryPrimitives.WriteInt32BigEndian(chunk.AsSpan(4), width);
        BinaryPrimitives.WriteInt32BigEndian(chunk.AsSpan(8), height);
        chunk[12] = 8; // bit depth
        chunk[13] = 6; // colour type RGBA
        var png = new byte[8 + 4 + chunk.Length + 4];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(png, 0);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(8), 13);
        chunk.CopyTo(png, 12);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(12 + chunk.Length), Crc32(chunk));
        return png;
    }

    /// <summary>A 1x1 GIF: a real image, in a format photos are not taken in.</summary>
    public static byte[] Gif() => Convert.FromBase64String("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==");

    public static byte[] Text() => Encoding.UTF8.GetBytes("this is not an image, only some text claiming to be one");

    /// <summary>The colour at (x, y) of an encoded image, decoded unpremultiplied.</summary>
    public static SKColor PixelAt(byte[] encoded, int x, int y)
    {
        using var codec = SKCodec.Create(SKData.CreateCopy(encoded)) ?? throw new InvalidOperationException("Not decodable.");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        Assert.Equal(SKCodecResult.Success, codec.GetPixels(info, bitmap.GetPixels()));
        return bitmap.GetPixel(x, y);
    }

    public static (int Width, int Height) SizeOf(byte[] encoded)
    {
        using var codec = SKCodec.Create(SKData.CreateCopy(encoded)) ?? throw new InvalidOperationException("Not decodable.");
        return (codec.Info.Width, codec.Info.Height);
    }

    /// <summary>True when a RIFF/WebP file has a chunk of that FourCC (EXIF, XMP , ICCP, ALPH, ...).</summary>
    public static bool HasWebpChunk(byte[] webp, string fourCc)
    {
        var at = 12;
        while (at + 8 <= webp.Length)
        {
            var type = Encoding.ASCII.GetString(webp, at, 4);
            if (type == fourCc)
            {
                return true;
            }
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(webp.AsSpan(at + 4));
            at += 8 + size + (size & 1); // chunks are padded to an even size
        }
        return false;
    }

    /// <summary>Near enough for lossy formats: each channel within <paramref name="tolerance"/>.</summary>
    public static bool Near(SKColor actual, SKColor expected, int tolerance = 40) =>
        Math.Abs(actual.Red - expected.Red) <= tolerance && Math.Abs(actual.Green - expected.Green) <= tolerance &&
        Math.Abs(actual.Blue - expected.Blue) <= tolerance && Math.Abs(actual.Alpha - expected.Alpha) <= tolerance;

    private static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality)
    {
        using var data = bitmap.Encode(format, quality) ?? throw new InvalidOperationException($"SkiaSharp did not encode {format}.");
        return data.ToArray();
    }

    /// <summary>CRC-32 (ISO-HDLC, the one PNG and zlib use) over the chunk type and data.</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }
        return ~crc;
    }
}
