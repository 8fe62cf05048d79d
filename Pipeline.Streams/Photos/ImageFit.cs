namespace Pipeline.Streams.Photos;

internal static class ImageFit
{
    /// <summary>The size of a <paramref name="width"/> x <paramref name="height"/> picture scaled to fit the box, aspect kept, never enlarged.</summary>
    public static (int Width, int Height) Within(int width, int height, int maxWidth, int maxHeight)
    {
        var scale = Math.Min(1.0, Math.Min((double)maxWidth / width, (double)maxHeight / height));
        return scale >= 1.0 ? (width, height) : (Scaled(width, scale), Scaled(height, scale));
    }

    private static int Scaled(int length, double scale) => Math.Max(1, (int)Math.Round(length * scale, MidpointRounding.AwayFromZero));
}
