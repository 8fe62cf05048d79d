using System.Reflection;
using PdfSharp.Fonts;

namespace Pipeline.Streams.Tickets;

/// <summary>
/// Serves DejaVu Sans (regular and bold), embedded in this assembly, to PDFsharp, so tickets render identically on a
/// machine without any fonts installed. PDFsharp's font resolver is a process-wide setting that may be set only
/// before the first font is used; <see cref="EnsureRegistered"/> does that once, under a lock.
/// </summary>
internal sealed class TicketFonts : IFontResolver
{
    /// <summary>The family name the ticket renderer asks for.</summary>
    public const string FamilyName = "DejaVu Sans";

    private const string RegularFace = "DejaVuSans";
    private const string BoldFace = "DejaVuSans-Bold";

    private static readonly TicketFonts Instance = new();
    private static readonly Lock Gate = new();
    private static volatile bool s_registered;

    private readonly Lazy<byte[]> _regular = new(() => Load(RegularFace), LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly Lazy<byte[]> _bold = new(() => Load(BoldFace), LazyThreadSafetyMode.ExecutionAndPublication);

    private TicketFonts()
    {
    }

    /// <summary>
    /// Installs this resolver as PDFsharp's font resolver, or, when other code of the process installed its own
    /// first, as the fallback resolver (consulted for the families the other one does not know). Idempotent.
    /// </summary>
    public static void EnsureRegistered()
    {
        if (s_registered)
            return;
        lock (Gate)
        {
            if (s_registered)
                return;
            var primary = GlobalFontSettings.FontResolver;
            if (primary is null)
            {
                GlobalFontSettings.FontResolver = Instance;
            }
            else if (!ReferenceEquals(primary, Instance))
            {
                var fallback = GlobalFontSettings.FallbackFontResolver;
                if (fallback is null)
                    GlobalFontSettings.FallbackFontResolver = Instance;
                else if (!ReferenceEquals(fallback, Instance))
                    throw new InvalidOperationException(
                        $"PDFsharp already has a font resolver ({primary.GetType().FullName}) and a fallback font resolver " +
                        $"({fallback.GetType().FullName}); one of them must serve '{FamilyName}' for tickets to render.");
            }
            s_registered = true;
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic)
    {
        if (!string.Equals(familyName, FamilyName, StringComparison.OrdinalIgnoreCase))
            return null;
        // No italic face ships: PDFsharp slants the upright one when italic is asked for.
        return new FontResolverInfo(bold ? BoldFace : RegularFace, mustSimulateBold: false, mustSimulateItalic: italic);
    }

    public byte[]? GetFont(string faceName) => faceName switch
    {
        RegularFace => _regular.Value,
        BoldFace => _bold.Value,
        _ => null,
    };

    private static byte[] Load(string face)
    {
        var name = $"Pipeline.Streams.Fonts.{face}.ttf";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded font resource '{name}' is missing from {typeof(TicketFonts).Assembly.GetName().Name}.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
