using System.Diagnostics;
using Pipeline.Streams.Tickets;
using SkiaSharp;

namespace Pipeline.Bench;

/// <summary>
/// Tickets (token + QR + PDF) rendered per second, on one core and on every core, without and with a member photo;
/// and the QR encode alone, the part of a render that is QRCoder's (its mask selection).
/// </summary>
internal static class TicketRenderBenchmark
{
    public static void Run(int count)
    {
        var tokens = new TicketToken("bench-ticket-signing-key-0123456789");
        var photo = Photo();
        TicketContent Content(int i, byte[]? withPhoto = null) => new("Pipeline Conf 2027", "Bengaluru International Exhibition Centre",
            new DateTimeOffset(2027, 1, 15, 10, 0, 0, TimeSpan.Zero), $"Member {i}", $"reg_bench{i:D8}xxxxxxxxxxxxx",
            tokens.Create($"reg_bench{i:D8}xxxxxxxxxxxxx", "evt_benchxxxxxxxxxxxxxxxxx", DateTimeOffset.UtcNow), withPhoto);

        // Warm-up: JIT up to its optimised tier, font parsing, Skia's caches.
        for (var i = 0; i < 300; i++)
            TicketPdfRenderer.Render(Content(i, i % 2 == 0 ? photo : null));

        Measure("render", count, i => Content(i));
        Measure("render with photo", count, i => Content(i, photo));

        var qrCount = Math.Max(count / 2, 100);
        var qr = Stopwatch.StartNew();
        for (var i = 0; i < qrCount; i++)
            TicketQrCode.Encode(Content(i).Token);
        Console.WriteLine($"QR encode alone (QRCoder): {qrCount / qr.Elapsed.TotalSeconds:F0}/s on one core, " +
                          $"{qr.Elapsed.TotalMilliseconds / qrCount:F2} ms each");
    }

    private static void Measure(string name, int count, Func<int, TicketContent> content)
    {
        var single = Math.Max(count / 4, 50);
        var one = Stopwatch.StartNew();
        for (var i = 0; i < single; i++)
            TicketPdfRenderer.Render(content(i));
        var perCore = single / one.Elapsed.TotalSeconds;

        var all = Stopwatch.StartNew();
        long bytes = 0;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            i => Interlocked.Add(ref bytes, TicketPdfRenderer.Render(content(i)).Length));
        var rate = count / all.Elapsed.TotalSeconds;

        Console.WriteLine($"{name}: {count} tickets on {Environment.ProcessorCount} cores: {rate:F0} tickets/s " +
                          $"({perCore:F0}/s on one core), {bytes / count / 1024.0:F1} KiB per PDF");
    }

    /// <summary>A 512 px square WebP, the kind of stored member photo a ticket would carry.</summary>
    private static byte[] Photo()
    {
        using var bitmap = new SKBitmap(512, 512);
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { IsAntialias = true, Color = SKColors.SaddleBrown })
        {
            using var sky = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, 512), [SKColors.SkyBlue, SKColors.White], SKShaderTileMode.Clamp);
            using var background = new SKPaint { Shader = sky };
            canvas.DrawRect(0, 0, 512, 512, background);
            canvas.DrawCircle(256, 230, 140, paint);
            canvas.DrawOval(256, 520, 210, 150, paint);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Webp, 80);
        return data.ToArray();
    }
}
