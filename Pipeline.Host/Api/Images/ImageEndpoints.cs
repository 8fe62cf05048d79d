using Microsoft.Net.Http.Headers;
using Pipeline.Actors.Photos;
using Pipeline.Host.Api.Problems;
using Pipeline.Host.Operations.RateLimiting;
using Pipeline.Host.Photos;
using Pipeline.Streams.Photos;

namespace Pipeline.Host.Api.Images;

/// <summary>
/// Stored images, public: a name is derived from the content, so an answer never changes and is cached for a year by
/// anyone, and its ETag (the name) answers a revalidation with 304 without reading the image.
/// </summary>
internal static class ImageEndpoints
{
    public const string ImmutableCacheControl = "public, max-age=31536000, immutable";

    public static void MapImageEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(ImageUrls.Route, GetAsync).RequireRateLimiting(RateLimitingSetup.PublicReads);
    }

    private static async Task<IResult> GetAsync(
        string name, HttpRequest request, HttpResponse response, IImageStore images, PhotoVariants variants, CancellationToken ct)
    {
        if (!ImageQuery.TryParse(request.Query, out var query, out var problem)) return problem!;
        var photo = ImageNames.IsPhoto(name) ? await images.InfoAsync(name, ct) : null;
        if (photo is null) return ApiProblem.NotFound(ProblemCodes.ImageNotFound, "The image");

        var variant = PhotoVariant.Of(photo, query.Width, query.Format);
        var etag = new EntityTagHeaderValue($"\"{variant.Name}\"");
        response.Headers.CacheControl = ImmutableCacheControl;
        response.Headers.ETag = etag.ToString();
        if (request.GetTypedHeaders().IfNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: false)))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }
        var image = await variants.GetAsync(photo, variant, ct);
        return Results.Bytes(image.Data, image.ContentType);
    }
}
