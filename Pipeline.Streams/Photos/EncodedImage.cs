namespace Pipeline.Streams.Photos;

/// <summary>An encoded picture and its pixel size.</summary>
public sealed record EncodedImage(byte[] Data, ImageFormat Format, int Width, int Height);
