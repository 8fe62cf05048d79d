using QRCoder;

namespace Pipeline.Streams.Tickets;

/// <summary>
/// The QR code of a ticket as rectangles of dark modules, quiet zone included, for the renderer to draw as vectors. Built with QRCoder's encoder. Stateless and safe to call from many threads.
/// </summary>
/// <remarks>
/// Vector rather than a PNG: an image costs a PNG encode here and a decode and re-compression in the PDF writer,
/// while rectangles scale without blur at any print size and are smaller.
/// </remarks>
public static class TicketQrCode
{
    /// <summary>Level M restores up to ~15% damage (creases, glare) while keeping the symbol small.</summary>
    public const QRCodeGenerator.ECCLevel ErrorCorrection = QRCodeGenerator.ECCLevel.M;

    /// <summary>
    /// The modules of the QR code of <paramref name="text"/>: <see cref="QrModules.Size"/> modules a side (the
    /// standard 4-module quiet zone included), and the dark ones as rectangles.
    /// </summary>
    public static QrModules Encode(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        using var data = QRCodeGenerator.GenerateQrCode(text, ErrorCorrection);
        var matrix = data.ModuleMatrix; // quiet zone included
        // Runs along each row; a run that repeats one in the row above (same columns) extends that rectangle down,
        // so a ticket's ~1,000 dark modules become a few hundred rectangles (the PDF's size and drawing cost are per rectangle).
        var rects = new List<QrRect>();
        var open = new Dictionary<(int Column, int Width), int>(); // rectangles that reach the previous row
        var next = new Dictionary<(int Column, int Width), int>();
        for (var row = 0; row < matrix.Count; row++)
        {
            var bits = matrix[row];
            var start = -1;
            for (var column = 0; column <= bits.Length; column++)
            {
                var dark = column < bits.Length && bits[column];
                if (dark && start < 0)
                {
                    start = column;
                }
                else if (!dark && start >= 0)
                {
                    var run = (start, column - start);
                    if (open.TryGetValue(run, out var index))
                    {
                        rects[index] = rects[index] with { Height = rects[index].Height + 1 };
                    }
                    else
                    {
                        index = rects.Count;
                        rects.Add(new QrRect(row, start, column - start, 1));
                    }
                    next[run] = index;
                    start = -1;
                }
            }
            (open, next) = (next, open);
            next.Clear();
        }
        return new QrModules(matrix.Count, rects);
    }
}

/// <param name="Size">Modules per side, quiet zone included.</param>
/// <param name="Dark">Every dark module in exactly one rectangle; light modules in none.</param>
public sealed record QrModules(int Size, IReadOnlyList<QrRect> Dark);

/// <summary>Dark modules from (<paramref name="Row"/>, <paramref name="Column"/>), in module units.</summary>
public readonly record struct QrRect(int Row, int Column, int Width, int Height);
