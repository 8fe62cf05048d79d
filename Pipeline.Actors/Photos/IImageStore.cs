namespace Pipeline.Actors.Photos;

/// <summary>
/// Content-addressed images (member photos and the variants made from them): written once under a name derived from
/// their content, never changed, so a name already present needs no second write.
/// </summary>
public interface IImageStore
{
    /// <summary>Stores <paramref name="image"/> unless its name is stored already; true when this call stored it.</summary>
    Task<bool> AddAsync(StoredImage image, CancellationToken cancellationToken = default);

    Task<StoredImage?> GetAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The image's size and type, without reading its bytes (answers such as 304 need no more).</summary>
    Task<StoredImageInfo?> InfoAsync(string name, CancellationToken cancellationToken = default);
}
