using System.Diagnostics;
using System.Text;

namespace Pipeline.Tests.Streams.Tickets;

/// <summary>
/// Runs the Debian tools that read a rendered ticket back: poppler-utils (pdftoppm, pdftotext, pdffonts,
/// pdfimages) and zbar-tools (zbarimg). A missing tool fails the test with the package to install instead of
/// skipping it, so a machine without them cannot pass the ticket tests by accident.
/// </summary>
internal static class PdfTools
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Rasterises the first page at 150 dpi and returns the PNG's path.</summary>
    public static async Task<string> RasterizeAsync(string pdfPath, string directory)
    {
        var prefix = Path.Combine(directory, Path.GetFileNameWithoutExtension(pdfPath) + "-page");
        await RunOkAsync("pdftoppm", "poppler-utils", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", pdfPath, prefix);
        var png = prefix + ".png";
        Assert.True(File.Exists(png), $"pdftoppm did not write {png}");
        return png;
    }

    /// <summary>The text of every QR code zbarimg finds in the image, one per line.</summary>
    public static async Task<string> DecodeQrAsync(string imagePath)
    {
        var (code, stdout, stderr) = await RunAsync("zbarimg", "zbar-tools", "--raw", "-q", imagePath);
        Assert.True(code == 0, $"zbarimg found no QR code in {imagePath} (exit {code}): {stderr}");
        return stdout.TrimEnd('\r', '\n');
    }

    public static Task<string> ExtractTextAsync(string pdfPath) =>
        RunOkAsync("pdftotext", "poppler-utils", "-enc", "UTF-8", pdfPath, "-");

    public static Task<string> ListFontsAsync(string pdfPath) => RunOkAsync("pdffonts", "poppler-utils", pdfPath);

    /// <summary>One row per image drawn on the pages (page, num, type, width, height, color, comp, bpc, enc, ...).</summary>
    public static async Task<List<string[]>> ListImagesAsync(string pdfPath)
    {
        var listing = await RunOkAsync("pdfimages", "poppler-utils", "-list", pdfPath);
        return [.. listing.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(2)
            .Select(row => row.Split(' ', StringSplitOptions.RemoveEmptyEntries))];
    }

    /// <summary>All runs of whitespace as one space, so text wrapped over lines still matches as a phrase.</summary>
    public static string Normalize(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static async Task<string> RunOkAsync(string tool, string package, params string[] arguments)
    {
        var (code, stdout, stderr) = await RunAsync(tool, package, arguments);
        Assert.True(code == 0, $"{tool} {string.Join(' ', arguments)} exited with {code}: {stderr}");
        return stdout;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string tool, string package, params string[] arguments)
    {
        var path = Find(tool);
        if (path is null)
            Assert.Fail($"'{tool}' is not on PATH. The ticket tests read rendered PDFs back with it: install the Debian package " +
                $"'{package}' (apt-get install -y poppler-utils zbar-tools).");

        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{tool} did not finish within {Timeout.TotalSeconds} s");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    private static string? Find(string tool)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return directories.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
    }
}
