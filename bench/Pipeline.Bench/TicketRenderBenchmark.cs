using System.Diagnostics;
using Pipeline.Streams.Tickets;

namespace Pipeline.Bench;

/// <summary>Tickets (token + QR + PDF) rendered per second, on every core and on one.</summary>
internal static class TicketRenderBenchmark
{
    public static void Run(int count)
    {
        var tokens = new TicketToken("bench-ticket-signing-key-0123456789");
        TicketContent Content(int i) => new("Pipeline Conf 2027", "Bengaluru International Exhibition Centre",
            new DateTimeOffset(2027, 1, 15, 10, 0, 0, TimeSpan.Zero), $"Member {i}", $"reg_bench{i:D8}xxxxxxxxxxxxx",
            tokens.Create($"reg_bench{i:D8}xxxxxxxxxxxxx", "evt_benchxxxxxxxxxxxxxxxxx", DateTimeOffset.UtcNow));

        for (var i = 0; i < 50; i++) TicketPdfRenderer.Render(Content(i)); // warm-up: JIT, font subsets

        var one = Stopwatch.StartNew();
        var single = Math.Max(count / 4, 50);
        for (var i = 0; i < single; i++) TicketPdfRenderer.Render(Content(i));
        var perCore = single / one.Elapsed.TotalSeconds;

        var all = Stopwatch.StartNew();
        long bytes = 0;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            i => Interlocked.Add(ref bytes, TicketPdfRenderer.Render(Content(i)).Length));
        var rate = count / all.Elapsed.TotalSeconds;

        Console.WriteLine($"render: {count} tickets on {Environment.ProcessorCount} cores: {rate:F0} tickets/s " +
                          $"({perCore:F0}/s on one core), {bytes / count / 1024.0:F1} KiB per PDF");
    }
}
