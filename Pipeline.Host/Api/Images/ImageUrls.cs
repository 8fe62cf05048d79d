namespace Pipeline.Host.Api.Images;

internal static class ImageUrls
{
    public const string Route = "/api/public/images/{name}";

    /// <summary>The public URL of a stored image: relative, so it holds behind any host name or proxy.</summary>
    public static string Of(string name) => "/api/public/images/" + name;
}
