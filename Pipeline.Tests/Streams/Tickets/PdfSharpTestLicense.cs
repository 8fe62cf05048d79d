using PdfSharp;

namespace Pipeline.Tests.Streams.Tickets;

/// <summary>
/// PDFsharp 6.5 refuses to work until a license is loaded. The tests load the AGPL one: they only run the library
/// privately, they do not convey it or serve it to users. Which license the service itself loads is the host's call.
/// </summary>
internal static class PdfSharpTestLicense
{
    private static readonly Lazy<bool> Loaded = new(() =>
    {
        PdfSharpLicense.SetAgplLicense();
        return true;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    public static void Ensure() => _ = Loaded.Value;
}
