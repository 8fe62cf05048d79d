using System.Collections.Concurrent;
using Pipeline.Actors.Photos;
using Pipeline.Streams.Photos;

namespace Pipeline.Host.Photos;

/// <summary>
/// Photos as <see cref="PhotoVariant"/>s: a variant is made on its first request from the stored WebP, then stored
/// under its own name and served from there. Requests for one variant arriving together on a node share one making;
/// nodes that race each store theirs if absent and all serve the stored one, so a name always means the same bytes.
/// </summary>
internal sealed class PhotoVariants(IImageStore images, ImageWorkGate gate)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<StoredImage>>> _making = new(StringComparer.Ordinal);

    public async Task<StoredImage> GetAsync(StoredImageInfo photo, PhotoVariant variant, CancellationToken ct)
    {
        if (await images.GetAsync(variant.Name, ct) is { } stored)
        {
            return stored;
        }
        if (variant.Name == photo.Name)
        {
            throw new InvalidOperationException($"Photo {photo.Name} is gone from the image store.");
        }
        var making = _making.GetOrAdd(variant.Name, _ => new Lazy<Task<StoredImage>>(() => MakeOnceAsync(photo.Name, variant)));
        // Not cancelled with this request: others may be waiting for the same variant.
        return await making.Value.WaitAsync(ct);
    }

    private async Task<StoredImage> MakeOnceAsync(string photoName, PhotoVariant variant)
    {
        try
        {
            return await MakeAsync(photoName, variant);
        }
        finally
        {
            _making.TryRemove(variant.Name, out _); // stored by now (or failed): later requests read it, or try again
        }
    }

    private async Task<StoredImage> MakeAsync(string photoName, PhotoVariant variant)
    {
        var photo = await images.GetAsync(photoName, CancellationToken.None)
            ?? throw new InvalidOperationException($"Photo {photoName} is gone from the image store.");
        var made = await gate.RunAsync(() => PhotoVariantMaker.Make(photo.Data, variant.Width ?? photo.Width, variant.Format), CancellationToken.None);
        var image = new StoredImage(variant.Name, variant.Format.ContentType(), made.Width, made.Height, made.Data);
        if (await images.AddAsync(image, CancellationToken.None))
        {
            return image;
        }
        // Another node stored it first: serve that one, so every answer under this name is the same bytes.
        return await images.GetAsync(variant.Name, CancellationToken.None) ?? image;
    }
}
