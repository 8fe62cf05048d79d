using System.Reflection;

namespace Pipeline.Streams.Tickets;

/// <summary>
/// DejaVu Sans (regular and bold), embedded in this assembly, so tickets render the same on a machine without any
/// fonts (the native library is built without fontconfig, so nothing is looked up by family name). Each face is read
/// and parsed once, on first use, and kept for the life of the process; both are immutable and shared by all renders.
/// </summary>
internal static class TicketFonts
{
    private static readonly Lazy<TicketFace> RegularFace = new(() => Load("DejaVuSans"), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<TicketFace> BoldFace = new(() => Load("DejaVuSans-Bold"), LazyThreadSafetyMode.ExecutionAndPublication);

    public static TicketFace Regular => RegularFace.Value;

    public static TicketFace Bold => BoldFace.Value;

    private static TicketFace Load(string face)
    {
        var name = $"Pipeline.Streams.Fonts.{face}.ttf";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded font resource '{name}' is missing from {typeof(TicketFonts).Assembly.GetName().Name}.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return new TicketFace(name, bytes);
    }
}
