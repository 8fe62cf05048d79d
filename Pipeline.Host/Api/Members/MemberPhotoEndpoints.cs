using Pipeline.Actors.Photos;
using Pipeline.Host.Api.Images;
using Pipeline.Host.Api.Problems;
using Pipeline.Host.Api.Requests;
using Pipeline.Host.Payments;
using Pipeline.Host.Photos;
using Pipeline.Streams.Photos;

namespace Pipeline.Host.Api.Members;

internal sealed record PhotoResponse(string PhotoUrl, int Width, int Height, int Bytes);

/// <summary>
/// <c>PUT /api/members/{memberId}/photo</c> (admin): the body is the image. It is stored optimized (upright, at most
/// 1024 px, WebP, no metadata) under its content hash, and becomes the member's photo. A refusal stores nothing.
/// </summary>
internal static class MemberPhotoEndpoints
{
    public static void MapMemberPhotoEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapPut("/api/members/{memberId}/photo", PutAsync);
    }

    private static async Task<IResult> PutAsync(
        string memberId, HttpRequest request, PaymentLookups lookups, IMemberPhotos photos, ImageWorkGate gate)
    {
        var ct = request.HttpContext.RequestAborted;
        // The cheap refusals first, from the headers: the body is not read for them.
        if (!ImageFormats.TryParseContentType(request.ContentType, out _))
        {
            return Refused(ImageRejection.Unsupported, "The Content-Type must be image/jpeg, image/png or image/webp.");
        }
        if (request.ContentLength > PhotoLimits.MaxBytes) return TooLarge();
        if (await lookups.MemberAsync(memberId, ct) is null) return MemberEndpoints.MemberNotFound();

        var body = await BoundedBody.ReadAsync(request, PhotoLimits.MaxBytes);
        if (body is null) return TooLarge();
        EncodedImage photo;
        try
        {
            photo = await gate.RunAsync(() => PhotoOptimizer.Optimize(body), ct);
        }
        catch (ImageRejectedException rejected)
        {
            return Refused(rejected.Reason, rejected.Message);
        }

        var name = ImageNames.For(photo);
        await photos.SetAsync(memberId, new StoredImage(name, photo.Format.ContentType(), photo.Width, photo.Height, photo.Data), ct);
        return Results.Ok(new PhotoResponse(ImageUrls.Of(name), photo.Width, photo.Height, photo.Data.Length));
    }

    private static IResult TooLarge() => ApiProblem.Create(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge,
        "The image is too large.", $"A photo may be at most {PhotoLimits.MaxBytes / (1024 * 1024)} MiB.");

    private static IResult Refused(ImageRejection reason, string detail) => reason switch
    {
        ImageRejection.Unsupported => ApiProblem.Create(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedImage,
            "The body is not a supported image.", detail + " Send a JPEG, PNG or WebP image."),
        ImageRejection.TooManyPixels => ApiProblem.Create(StatusCodes.Status400BadRequest, ProblemCodes.ImageTooLarge,
            "The image has too many pixels.", detail),
        _ => ApiProblem.Create(StatusCodes.Status400BadRequest, ProblemCodes.InvalidImage, "The image could not be decoded.", detail),
    };
}
