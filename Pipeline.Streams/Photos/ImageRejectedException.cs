namespace Pipeline.Streams.Photos;

/// <summary>Why an upload is refused; the API maps each to its status and problem code.</summary>
public enum ImageRejection
{
    /// <summary>Not JPEG, PNG or WebP by its bytes (text, GIF, anything else).</summary>
    Unsupported,

    /// <summary>One of those formats by its signature, but undecodable or truncated.</summary>
    Invalid,

    /// <summary>More pixels than <see cref="PhotoLimits.MaxPixels"/>, judged from the header before decoding.</summary>
    TooManyPixels,
}

public sealed class ImageRejectedException(ImageRejection reason, string message) : Exception(message)
{
    public ImageRejection Reason { get; } = reason;
}
