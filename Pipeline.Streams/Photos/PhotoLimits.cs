namespace Pipeline.Streams.Photos;

/// <summary>The contract's bounds on member photos.</summary>
public static class PhotoLimits
{
    /// <summary>Largest upload accepted (10 MiB).</summary>
    public const int MaxBytes = 10 * 1024 * 1024;

    /// <summary>
    /// Largest picture accepted, 40 megapixels: a few megabytes of compressed input can claim far more, and decoding it
    /// would take 4 bytes a pixel (a decompression bomb), so it is refused from its header.
    /// </summary>
    public const long MaxPixels = 40_000_000;

    /// <summary>A stored photo fits within this many pixels each way (never upscaled).</summary>
    public const int MaxEdge = 1024;

    /// <summary>Lossy WebP quality of stored photos: visually clean at a fraction of a camera JPEG's size.</summary>
    public const int WebpQuality = 80;

    /// <summary>Quality of JPEG variants.</summary>
    public const int JpegQuality = 85;

    /// <summary>The widths <c>?w=</c> may ask for.</summary>
    public static readonly IReadOnlyList<int> VariantWidths = [64, 128, 256, 512, 1024];
}
