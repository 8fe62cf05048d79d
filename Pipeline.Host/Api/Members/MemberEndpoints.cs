using System.Text.RegularExpressions;
using Pipeline.Actors.Entities.Members;
using Pipeline.Actors.Entities.Records;
using Pipeline.Actors.Photos;
using Pipeline.Actors.Runtime;
using Pipeline.Host.Api.Images;
using Pipeline.Host.Api.Problems;
using Pipeline.Host.Api.Requests;
using Pipeline.Host.Payments;

namespace Pipeline.Host.Api.Members;

/// <param name="PhotoUrl">Where the member's photo is served; null without one.</param>
internal sealed record MemberResponse(string Id, string Name, string Phone, string? Email, string? PhotoUrl, DateTimeOffset CreatedAt)
{
    /// <param name="photoName">The member's photo (<see cref="IMemberPhotos.NameAsync"/>); a member just created has none.</param>
    public static MemberResponse From(MemberView member, string? photoName = null) =>
        new(member.Id, member.Name, member.Phone, member.Email, photoName is null ? null : ImageUrls.Of(photoName), member.CreatedAt);
}

/// <summary>Members (admin): the people who register; the phone is where WhatsApp tickets go.</summary>
internal static partial class MemberEndpoints
{
    private const string IdPrefix = "mem";

    public static void MapMemberEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapPost("/api/members", CreateAsync);
        admin.MapGet("/api/members/{memberId}", GetAsync);
        admin.MapMemberPhotoEndpoints();
    }

    /// <remarks>The member is a write-once record, read through the payment path's cache; its photo can change, so it is read each time.</remarks>
    private static async Task<IResult> GetAsync(string memberId, PaymentLookups lookups, IMemberPhotos photos, CancellationToken ct)
    {
        var member = await lookups.MemberAsync(memberId, ct);
        return member is null ? MemberNotFound() : Results.Ok(MemberResponse.From(member, await photos.NameAsync(memberId, ct)));
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, MemberClient members, PaymentLookups lookups, TimeProvider time)
    {
        var (body, problem) = await JsonRequest.ReadAsync(request);
        if (body is null) return problem!;
        var name = body.String("name", 200);
        var phone = body.String("phone", 16);
        var email = body.String("email", 254, required: false);
        if (phone is not null && !E164().IsMatch(phone))
        {
            body.AddError("phone", "must be an E.164 number: + and 8 to 15 digits, e.g. +919876543210.");
        }
        if (email is not null && !Email().IsMatch(email))
        {
            body.AddError("email", "must be an email address.");
        }
        if (!body.IsValid) return body.Problem();

        var view = new MemberView(OpaqueId.New(IdPrefix), name!, phone!, email, time.GetUtcNow());
        var reply = await members.AskAsync(view.Id, view, request.HttpContext.RequestAborted);
        return reply is RecordReply<MemberView>.Created created
            ? Results.Created($"/api/members/{view.Id}", MemberResponse.From(lookups.Created(created.View)))
            : throw new InvalidOperationException("A new member id was already taken.");
    }

    public static IResult MemberNotFound() => ApiProblem.NotFound(ProblemCodes.MemberNotFound, "The member");

    [GeneratedRegex(@"^\+[1-9][0-9]{7,14}$")]
    private static partial Regex E164();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex Email();
}
