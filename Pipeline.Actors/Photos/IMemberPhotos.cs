namespace Pipeline.Actors.Photos;

/// <summary>
/// Each member's current photo, an image of <see cref="IImageStore"/>. Members are write-once records, so the photo is
/// kept beside them: set again, it replaces the previous one (the last write wins).
/// </summary>
public interface IMemberPhotos
{
    /// <summary>Stores <paramref name="photo"/> (unless stored already) and makes it the member's photo, in one transaction.</summary>
    Task SetAsync(string memberId, StoredImage photo, CancellationToken cancellationToken = default);

    /// <summary>The image name of the member's photo; null when the member has none.</summary>
    Task<string?> NameAsync(string memberId, CancellationToken cancellationToken = default);

    /// <summary>The member's photo as stored (WebP, at most 1024 px each way); null when the member has none. What a ticket shows.</summary>
    Task<byte[]?> PhotoAsync(string memberId, CancellationToken cancellationToken = default);
}
