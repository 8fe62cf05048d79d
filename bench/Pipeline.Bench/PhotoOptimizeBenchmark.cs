using System.Diagnostics;
using Pipeline.Streams.Photos;
using SkiaSharp;

namespace Pipeline.Bench;

/// <summary>
/// Member photos optimized per second (decode, turn upright, fit 1024 px, WebP) on every core and on one, and the bytes
/// stored against the bytes uploaded, over a mix of synthetic camera-like uploads.
/// </summary>
internal static class PhotoOptimizeBenchmark
{
    /// <summary>What phones and cameras send: big JPEGs (one turned by EXIF), a PNG screenshot-sized image, a WebP, a small JPEG.</summary>
    private static readonly (string Label, int Width, int Height, SKEncodedImageFormat Format, int Quality, ushort Orientation)[] Kinds =
    [
        ("jpeg 4000x3000 q92, EXIF 6", 4000, 3000, SKEncodedImageFormat.Jpeg, 92, 6),
        ("jpeg 3000x2000 q90", 3000, 2000, SKEncodedImageFormat.Jpeg, 90, 1),
        ("png 2048x1536", 2048, 1536, SKEncodedImageFormat.Png, 100, 1),
        ("webp 1600x1200 q90", 1600, 1200, SKEncodedImageFormat.Webp, 90, 1),
        ("jpeg 800x600 q85", 800, 600, SKEncodedImageFormat.Jpeg, 85, 1),
    ];

    public static void Run(int count)
    {
        var uploads = Kinds.Select((kind, i) => (kind.Label, Bytes: Upload(kind.Width, kind.Height, kind.Format, kind.Quality, kind.Orientation, seed: i))).ToArray();
        foreach (var (_, bytes) in uploads) PhotoOptimizer.Optimize(bytes); // warm-up: JIT, codec tables

        Console.WriteLine("photos: per kind, one core (upload -> stored)");
        foreach (var (label, bytes) in uploads)
        {
            var runs = Math.Max(3, count / (uploads.Length * 4));
            var watch = Stopwatch.StartNew();
            EncodedImage stored = null!;
            for (var i = 0; i < runs; i++) stored = PhotoOptimizer.Optimize(bytes);
            Console.WriteLine($"  {label,-28} {runs / watch.Elapsed.TotalSeconds,6:F1}/s  {bytes.Length / 1024.0,8:F0} KiB -> {stored.Data.Length / 1024.0,5:F0} KiB " +
                              $"({stored.Width}x{stored.Height}, {100.0 * (1 - (double)stored.Data.Length / bytes.Length):F1} % saved)");
        }

        var all = Stopwatch.StartNew();
        long uploaded = 0, kept = 0;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var bytes = uploads[i % uploads.Length].Bytes;
            var stored = PhotoOptimizer.Optimize(bytes);
            Interlocked.Add(ref uploaded, bytes.Length);
            Interlocked.Add(ref kept, stored.Data.Length);
        });
        var rate = count / all.Elapsed.TotalSeconds;
        Console.WriteLine($"photos: {count} uploads (the mix above in turn) on {Environment.ProcessorCount} cores: {rate:F1} photos/s, " +
                          $"{uploaded / all.Elapsed.TotalSeconds / (1024 * 1024):F1} MiB/s in; stored {kept / (1024.0 * 1024):F1} MiB " +
                          $"of {uploaded / (1024.0 * 1024):F1} MiB uploaded ({100.0 * (1 - (double)kept / uploaded):F1} % saved)");

        var stem = PhotoOptimizer.Optimize(uploads[1].Bytes).Data;
        var variants = Stopwatch.StartNew();
        var made = Math.Max(20, count / 2);
        for (var i = 0; i < made; i++) PhotoVariantMaker.Make(stem, 256, ImageFormat.Jpeg);
        Console.WriteLine($"variants: w=256 JPEG from a stored 1024x683 WebP, one core: {made / variants.Elapsed.TotalSeconds:F0}/s");
    }

    /// <summary>
    /// Camera-like content: a smooth gradient, soft shapes, fine texture and a little sensor noise (texture and noise are
    /// what make camera JPEGs big, and what a flat synthetic picture would lack).
    /// </summary>
    private static byte[] Upload(int width, int height, SKEncodedImageFormat format, int quality, ushort orientation, int seed)
    {
        var random = new Random(seed);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        {
            using var sky = new SKPaint
            {
                Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height),
                    [new SKColor(90, 140, 200), new SKColor(230, 200, 160), new SKColor(60, 90, 50)], SKShaderTileMode.Clamp),
            };
            canvas.DrawRect(0, 0, width, height, sky);
            using var blob = new SKPaint { IsAntialias = true, MaskFilter = SKMaskFilter.CreateBlur(SKBlurStyle.Normal, width / 200f) };
            for (var i = 0; i < 60; i++)
            {
                blob.Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(80, 220));
                canvas.DrawOval(random.Next(width), random.Next(height), random.Next(width / 40, width / 6), random.Next(height / 40, height / 6), blob);
            }
            // Fine texture (foliage, fabric, hair): thousands of small sharp marks, which is where photos spend their bytes.
            using var speck = new SKPaint { IsAntialias = true };
            var marks = width * height / 400;
            for (var i = 0; i < marks; i++)
            {
                speck.Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(60, 160));
                canvas.DrawCircle(random.Next(width), random.Next(height), 1 + random.Next(width / 400 + 2), speck);
            }
        }
        var pixels = bitmap.GetPixelSpan();
        for (var i = 0; i < pixels.Length; i++)
        {
            if ((i & 3) != 3) pixels[i] = (byte)Math.Clamp(pixels[i] + random.Next(-6, 7), 0, 255);
        }
        using var data = bitmap.Encode(format, quality);
        var bytes = data.ToArray();
        return orientation == 1 ? bytes : WithExifOrientation(bytes, orientation);
    }

    /// <summary>An EXIF APP1 segment with one Orientation tag, right after SOI (SkiaSharp writes no EXIF).</summary>
    private static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff = [(byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1,
            (byte)(orientation >> 8), (byte)orientation, 0, 0, 0, 0, 0, 0];
        byte[] payload = [.. "Exif\0\0"u8, .. tiff];
        byte[] segment = [0xFF, 0xE1, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2), .. payload];
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }
}
