namespace Pipeline.Actors.Photos;

/// <summary>An image as stored: its bytes and what is served with them.</summary>
/// <param name="Name">Derived from the content (a hash), so one name always means the same bytes.</param>
public sealed record StoredImage(string Name, string ContentType, int Width, int Height, byte[] Data);

/// <summary>What is known of a stored image without reading its bytes.</summary>
public sealed record StoredImageInfo(string Name, string ContentType, int Width, int Height, int Bytes);
