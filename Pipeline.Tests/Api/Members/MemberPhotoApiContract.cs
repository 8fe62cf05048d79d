using System.Net;
using System.Net.Http.Headers;
using SkiaSharp;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Api.Members;

public sealed class SqliteMemberPhotoApiTests(AppFixture<SqliteTestDatabase> fixture) : MemberPhotoApiContract<SqliteTestDatabase>(fixture);

public sealed class PostgresMemberPhotoApiTests(AppFixture<PostgresTestDatabase> fixture) : MemberPhotoApiContract<PostgresTestDatabase>(fixture);

/// <summary>PUT /api/members/{id}/photo and GET /api/public/images/{name} through HTTP, with real images, on each storage.</summary>
public abstract class MemberPhotoApiContract<TDatabase>(AppFixture<TDatabase> fixture) : IClassFixture<AppFixture<TDatabase>>
    where TDatabase : TestDatabase, new()
{
    private const string ImmutableCacheControl = "public, max-age=31536000, immutable";
    private const int TenMiB = 10 * 1024 * 1024;

    private readonly TDatabase _database = fixture.Database;
    private readonly PaymentScenario _flow = new(fixture.App);

    [Fact]
    public async Task A_member_has_no_photo_until_one_is_put_and_then_shows_its_url()
    {
        var memberId = await _flow.CreateMemberAsync();
        var before = await (await _flow.Admin.GetAsync($"/api/members/{memberId}")).JsonAsync();
        Assert.Equal(System.Text.Json.JsonValueKind.Null, before.GetProperty("photoUrl").ValueKind);

        var put = await PutPhotoAsync(memberId, TestImages.Marked(400, 300, SKEncodedImageFormat.Png), "image/png");

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var photo = await put.JsonAsync();
        var photoUrl = photo.GetProperty("photoUrl").GetString()!;
        Assert.Matches("^/api/public/images/[0-9a-f]{64}\\.webp$", photoUrl);
        Assert.Equal(400, photo.GetProperty("width").GetInt32());
        Assert.Equal(300, photo.GetProperty("height").GetInt32());
        var member = await (await _flow.Admin.GetAsync($"/api/members/{memberId}")).JsonAsync();
        Assert.Equal(photoUrl, member.GetProperty("photoUrl").GetString());
        Assert.Equal(memberId, member.GetProperty("id").GetString());
        Assert.Equal("Asha", member.GetProperty("name").GetString());

        var image = await _flow.Public.GetAsync(photoUrl);
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal("image/webp", image.Content.Headers.ContentType?.MediaType);
        var bytes = await image.Content.ReadAsByteArrayAsync();
        Assert.Equal(photo.GetProperty("bytes").GetInt32(), bytes.Length);
        Assert.Equal((400, 300), TestImages.SizeOf(bytes));
    }

    [Fact]
    public async Task A_jpeg_turned_by_exif_comes_back_upright()
    {
        var memberId = await _flow.CreateMemberAsync();
        var upload = TestImages.WithExifOrientation(TestImages.Marked(300, 200, SKEncodedImageFormat.Jpeg), 6);

        var photo = await (await PutPhotoAsync(memberId, upload, "image/jpeg")).JsonAsync();
        var bytes = await GetBytesAsync(photo.GetProperty("photoUrl").GetString()!);

        Assert.Equal((200, 300), (photo.GetProperty("width").GetInt32(), photo.GetProperty("height").GetInt32()));
        Assert.Equal((200, 300), TestImages.SizeOf(bytes));
        // Orientation 6: the stored top-left corner is the picture's top-right once turned 90° clockwise.
        Assert.True(TestImages.Near(TestImages.PixelAt(bytes, 200 - 6, 5), TestImages.Marker));
        Assert.True(TestImages.Near(TestImages.PixelAt(bytes, 5, 5), TestImages.Background));
        Assert.False(TestImages.HasWebpChunk(bytes, "EXIF"));
    }

    [Fact]
    public async Task A_transparent_png_keeps_its_alpha_and_a_webp_upload_is_accepted()
    {
        var memberId = await _flow.CreateMemberAsync();

        var png = await (await PutPhotoAsync(memberId, TestImages.HalfTransparentPng(200, 100), "image/png")).JsonAsync();
        var pngBytes = await GetBytesAsync(png.GetProperty("photoUrl").GetString()!);
        var webp = await PutPhotoAsync(memberId, TestImages.Marked(320, 240, SKEncodedImageFormat.Webp), "image/webp");

        Assert.Equal(255, TestImages.PixelAt(pngBytes, 20, 50).Alpha);
        Assert.Equal(0, TestImages.PixelAt(pngBytes, 180, 50).Alpha);
        Assert.Equal(HttpStatusCode.OK, webp.StatusCode);
        Assert.Equal(320, (await webp.JsonAsync()).GetProperty("width").GetInt32());
    }

    [Fact]
    public async Task A_3000_by_2000_photo_is_fitted_to_1024_by_683()
    {
        var memberId = await _flow.CreateMemberAsync();

        var photo = await (await PutPhotoAsync(memberId, TestImages.Detailed(3000, 2000, SKEncodedImageFormat.Jpeg), "image/jpeg")).JsonAsync();

        Assert.Equal((1024, 683), (photo.GetProperty("width").GetInt32(), photo.GetProperty("height").GetInt32()));
        Assert.Equal((1024, 683), TestImages.SizeOf(await GetBytesAsync(photo.GetProperty("photoUrl").GetString()!)));
    }

    [Fact]
    public async Task Another_put_replaces_the_photo_and_the_same_image_twice_is_one_stored_image()
    {
        var memberId = await _flow.CreateMemberAsync();
        var otherId = await _flow.CreateMemberAsync("+919800000077");
        var first = TestImages.Marked(200, 200, SKEncodedImageFormat.Png);
        var second = TestImages.Marked(250, 200, SKEncodedImageFormat.Png);

        var firstUrl = await PhotoUrlOfPutAsync(memberId, first);
        var secondUrl = await PhotoUrlOfPutAsync(memberId, second);
        var sameAgainUrl = await PhotoUrlOfPutAsync(otherId, second);

        Assert.NotEqual(firstUrl, secondUrl);
        Assert.Equal(secondUrl, sameAgainUrl);
        Assert.Equal(secondUrl, (await (await _flow.Admin.GetAsync($"/api/members/{memberId}")).JsonAsync()).GetProperty("photoUrl").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _flow.Public.GetAsync(firstUrl)).StatusCode); // an old URL keeps working
        Assert.Equal(1, await _database.ScalarAsync($"SELECT count(*) FROM images WHERE name = '{NameOf(secondUrl)}'"));
        var photo = await fixture.App.Storage.MemberPhotos.PhotoAsync(memberId);
        Assert.Equal(await GetBytesAsync(secondUrl), photo);
    }

    [Fact]
    public async Task A_variant_is_made_once_kept_and_served_with_the_same_etag()
    {
        var memberId = await _flow.CreateMemberAsync();
        var photoUrl = await PhotoUrlOfPutAsync(memberId, TestImages.Marked(600, 400, SKEncodedImageFormat.Png));
        var stem = NameOf(photoUrl)[..^".webp".Length];

        var first = await _flow.Public.GetAsync(photoUrl + "?w=64&format=jpeg");
        var firstBytes = await first.Content.ReadAsByteArrayAsync();
        var second = await _flow.Public.GetAsync(photoUrl + "?format=jpeg&w=64");
        var secondBytes = await second.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("image/jpeg", first.Content.Headers.ContentType?.MediaType);
        Assert.Equal((64, 43), TestImages.SizeOf(firstBytes));
        Assert.Equal(firstBytes, secondBytes);
        Assert.NotNull(first.Headers.ETag);
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
        Assert.NotEqual(first.Headers.ETag, (await _flow.Public.GetAsync(photoUrl)).Headers.ETag);
        Assert.Equal(1, await _database.ScalarAsync($"SELECT count(*) FROM images WHERE name = '{stem}-w64.jpeg'"));
        Assert.Equal(2, await _database.ScalarAsync($"SELECT count(*) FROM images WHERE name LIKE '{stem}%'"));
        var stored = await fixture.App.Storage.Images.GetAsync($"{stem}-w64.jpeg");
        Assert.Equal(firstBytes, stored!.Data);
    }

    [Theory]
    [InlineData("?w=128", "image/webp", 128)]
    [InlineData("?format=png", "image/png", 300)]
    [InlineData("?w=1024&format=webp", "image/webp", 300)] // never enlarged: the photo itself
    public async Task Variants_of_each_width_and_format(string query, string contentType, int width)
    {
        var memberId = await _flow.CreateMemberAsync();
        var photoUrl = await PhotoUrlOfPutAsync(memberId, TestImages.Marked(300, 150, SKEncodedImageFormat.Png));

        var response = await _flow.Public.GetAsync(photoUrl + query);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(width, TestImages.SizeOf(await response.Content.ReadAsByteArrayAsync()).Width);
    }

    [Fact]
    public async Task Every_image_answer_is_immutable_with_an_etag_and_if_none_match_is_304()
    {
        var memberId = await _flow.CreateMemberAsync();
        var photoUrl = await PhotoUrlOfPutAsync(memberId, TestImages.Marked(300, 150, SKEncodedImageFormat.Png));

        foreach (var url in new[] { photoUrl, photoUrl + "?w=64&format=png" })
        {
            var ok = await _flow.Public.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(ImmutableCacheControl, ok.Headers.CacheControl?.ToString());
            var etag = ok.Headers.ETag!;

            var revalidation = new HttpRequestMessage(HttpMethod.Get, url);
            revalidation.Headers.IfNoneMatch.Add(etag);
            var notModified = await _flow.Public.SendAsync(revalidation);

            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Equal(ImmutableCacheControl, notModified.Headers.CacheControl?.ToString());
            Assert.Equal(etag, notModified.Headers.ETag);
            Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

            var other = new HttpRequestMessage(HttpMethod.Get, url);
            other.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"something-else\""));
            Assert.Equal(HttpStatusCode.OK, (await _flow.Public.SendAsync(other)).StatusCode);
        }
    }

    [Fact]
    public async Task Truncated_and_undecodable_images_are_400_invalid_image_with_nothing_stored()
    {
        var memberId = await _flow.CreateMemberAsync();
        var whole = TestImages.Detailed(400, 300, SKEncodedImageFormat.Jpeg);
        var imagesBefore = await _database.ScalarAsync("SELECT count(*) FROM images");

        var truncated = await PutPhotoAsync(memberId, whole[..(whole.Length / 2)], "image/jpeg");
        var garbage = await PutPhotoAsync(memberId, [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8], "image/jpeg");

        await AssertProblemAsync(truncated, HttpStatusCode.BadRequest, "invalid_image");
        await AssertProblemAsync(garbage, HttpStatusCode.BadRequest, "invalid_image");
        await AssertNothingStoredAsync(memberId, imagesBefore);
    }

    [Fact]
    public async Task A_header_claiming_20000_by_20000_is_400_image_too_large_with_nothing_stored()
    {
        var memberId = await _flow.CreateMemberAsync();
        var imagesBefore = await _database.ScalarAsync("SELECT count(*) FROM images");

        var response = await PutPhotoAsync(memberId, TestImages.PngHeaderOnly(20000, 20000), "image/png");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "image_too_large");
        await AssertNothingStoredAsync(memberId, imagesBefore);
    }

    [Fact]
    public async Task Text_gifs_and_other_content_types_are_415_unsupported_image()
    {
        var memberId = await _flow.CreateMemberAsync();
        var imagesBefore = await _database.ScalarAsync("SELECT count(*) FROM images");
        var jpeg = TestImages.Marked(50, 50, SKEncodedImageFormat.Jpeg);

        await AssertProblemAsync(await PutPhotoAsync(memberId, TestImages.Text(), "image/png"), HttpStatusCode.UnsupportedMediaType, "unsupported_image");
        await AssertProblemAsync(await PutPhotoAsync(memberId, TestImages.Gif(), "image/png"), HttpStatusCode.UnsupportedMediaType, "unsupported_image");
        await AssertProblemAsync(await PutPhotoAsync(memberId, TestImages.Gif(), "image/gif"), HttpStatusCode.UnsupportedMediaType, "unsupported_image");
        await AssertProblemAsync(await PutPhotoAsync(memberId, jpeg, "text/plain"), HttpStatusCode.UnsupportedMediaType, "unsupported_image");
        await AssertProblemAsync(await PutPhotoAsync(memberId, jpeg, null), HttpStatusCode.UnsupportedMediaType, "unsupported_image");
        await AssertNothingStoredAsync(memberId, imagesBefore);
    }

    [Fact]
    public async Task Over_10_MiB_is_413_whether_or_not_the_length_is_announced()
    {
        var memberId = await _flow.CreateMemberAsync();
        var imagesBefore = await _database.ScalarAsync("SELECT count(*) FROM images");
        var oversized = new byte[TenMiB + 1];
        TestImages.Marked(100, 100, SKEncodedImageFormat.Jpeg).CopyTo(oversized, 0);

        var announced = await PutPhotoAsync(memberId, oversized, "image/jpeg");
        var streamed = await PutPhotoAsync(memberId, new UnannouncedLengthContent(oversized), "image/jpeg");

        await AssertProblemAsync(announced, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        await AssertProblemAsync(streamed, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        await AssertNothingStoredAsync(memberId, imagesBefore);
    }

    [Fact]
    public async Task Exactly_10_MiB_is_read_and_judged_as_an_image()
    {
        var memberId = await _flow.CreateMemberAsync();
        var body = new byte[TenMiB];
        TestImages.Text().CopyTo(body, 0);

        await AssertProblemAsync(await PutPhotoAsync(memberId, body, "image/jpeg"), HttpStatusCode.UnsupportedMediaType, "unsupported_image");
    }

    [Fact]
    public async Task Unknown_members_are_404_and_unknown_images_too()
    {
        var png = TestImages.Marked(50, 50, SKEncodedImageFormat.Png);

        await AssertProblemAsync(await PutPhotoAsync("mem_missing", png, "image/png"), HttpStatusCode.NotFound, "member_not_found");
        await AssertProblemAsync(await _flow.Admin.GetAsync("/api/members/mem_missing"), HttpStatusCode.NotFound, "member_not_found");
        await AssertProblemAsync(await _flow.Public.GetAsync($"/api/public/images/{new string('0', 64)}.webp"), HttpStatusCode.NotFound, "image_not_found");
        await AssertProblemAsync(await _flow.Public.GetAsync("/api/public/images/not-a-name.png"), HttpStatusCode.NotFound, "image_not_found");
    }

    [Theory]
    [InlineData("?w=100", "w")]
    [InlineData("?w=abc", "w")]
    [InlineData("?w=", "w")]
    [InlineData("?w=64&w=128", "w")]
    [InlineData("?format=gif", "format")]
    [InlineData("?format=JPEG", "format")]
    public async Task A_bad_width_or_format_is_400_validation_failed(string query, string field)
    {
        var memberId = await _flow.CreateMemberAsync();
        var photoUrl = await PhotoUrlOfPutAsync(memberId, TestImages.Marked(50, 50, SKEncodedImageFormat.Png));

        var response = await _flow.Public.GetAsync(photoUrl + query);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name {field}");
    }

    [Fact]
    public async Task Putting_a_photo_needs_the_admin_key()
    {
        var memberId = await _flow.CreateMemberAsync();
        var content = new ByteArrayContent(TestImages.Marked(50, 50, SKEncodedImageFormat.Png));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");

        var response = await _flow.Public.PutAsync($"/api/members/{memberId}/photo", content);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _flow.Public.GetAsync($"/api/members/{memberId}")).StatusCode);
    }

    private Task<HttpResponseMessage> PutPhotoAsync(string memberId, byte[] body, string? contentType) =>
        PutPhotoAsync(memberId, new ByteArrayContent(body), contentType);

    private Task<HttpResponseMessage> PutPhotoAsync(string memberId, HttpContent content, string? contentType)
    {
        content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        return _flow.Admin.PutAsync($"/api/members/{memberId}/photo", content);
    }

    private async Task<string> PhotoUrlOfPutAsync(string memberId, byte[] png)
    {
        var response = await PutPhotoAsync(memberId, png, "image/png");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("photoUrl").GetString()!;
    }

    private async Task<byte[]> GetBytesAsync(string url)
    {
        var response = await _flow.Public.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static string NameOf(string photoUrl) => photoUrl["/api/public/images/".Length..];

    private static async Task<System.Text.Json.JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        return problem;
    }

    private async Task AssertNothingStoredAsync(string memberId, long imagesBefore)
    {
        Assert.Equal(imagesBefore, await _database.ScalarAsync("SELECT count(*) FROM images"));
        Assert.Equal(0, await _database.ScalarAsync($"SELECT count(*) FROM member_photos WHERE member_id = '{memberId}'"));
        var member = await (await _flow.Admin.GetAsync($"/api/members/{memberId}")).JsonAsync();
        Assert.Equal(System.Text.Json.JsonValueKind.Null, member.GetProperty("photoUrl").ValueKind);
    }

    /// <summary>A body sent without Content-Length (chunked), so the server learns its size only by reading it.</summary>
    private sealed class UnannouncedLengthContent(byte[] data) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            for (var at = 0; at < data.Length; at += 64 * 1024)
            {
                await stream.WriteAsync(data.AsMemory(at, Math.Min(64 * 1024, data.Length - at)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
