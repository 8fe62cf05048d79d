using SkiaSharp;

namespace Pipeline.Streams.Photos;

/// <summary>
/// EXIF orientation: how the stored pixels map to the picture as it is meant to be seen. Decoders hand over the stored
/// pixels; drawing them through <see cref="ToUpright"/> turns them upright, so the orientation tag can be dropped.
/// </summary>
internal static class ImageOrientation
{
    /// <summary>True for the four origins whose upright picture is the stored one turned a quarter (width and height swap).</summary>
    public static bool SwapsAxes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>Maps a stored <paramref name="width"/> x <paramref name="height"/> picture onto its upright one (x' = a x + b y + c, y' = d x + e y + f).</summary>
    public static SKMatrix ToUpright(SKEncodedOrigin origin, float width, float height) => origin switch
    {
        SKEncodedOrigin.TopRight => Map(-1, 0, width, 0, 1, 0),        // mirrored left-right
        SKEncodedOrigin.BottomRight => Map(-1, 0, width, 0, -1, height), // turned 180°
        SKEncodedOrigin.BottomLeft => Map(1, 0, 0, 0, -1, height),      // mirrored top-bottom
        SKEncodedOrigin.LeftTop => Map(0, 1, 0, 1, 0, 0),               // transposed
        SKEncodedOrigin.RightTop => Map(0, -1, height, 1, 0, 0),        // turn 90° clockwise
        SKEncodedOrigin.RightBottom => Map(0, -1, height, -1, 0, width), // transverse
        SKEncodedOrigin.LeftBottom => Map(0, 1, 0, -1, 0, width),       // turn 90° counter-clockwise
        _ => SKMatrix.Identity,
    };

    private static SKMatrix Map(float a, float b, float c, float d, float e, float f) => new(a, b, c, d, e, f, 0, 0, 1);
}
