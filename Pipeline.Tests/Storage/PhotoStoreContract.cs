using Pipeline.Actors.Photos;

namespace Pipeline.Tests.Storage;

public sealed class SqlitePhotoStoreTests() : PhotoStoreContract(new SqliteTestDatabase());

public sealed class PostgresPhotoStoreTests() : PhotoStoreContract(new PostgresTestDatabase());

/// <summary>Images are stored once under their name; a member's photo is the last one set.</summary>
public abstract class PhotoStoreContract(TestDatabase database) : StorageContract(database)
{
    private static StoredImage Image(string name, byte fill, int length = 300) =>
        new(name, "image/webp", 30, 20, Enumerable.Repeat(fill, length).ToArray());

    [Fact]
    public async Task An_image_is_stored_once_and_read_back_whole_or_as_its_info()
    {
        var image = Image("a.webp", 7);

        Assert.True(await Storage.Images.AddAsync(image));
        Assert.False(await Storage.Images.AddAsync(image with { Data = [1, 2, 3] }));

        var stored = await Storage.Images.GetAsync("a.webp");
        Assert.NotNull(stored);
        Assert.Equal(image.Data, stored.Data);
        Assert.Equal(("a.webp", "image/webp", 30, 20), (stored.Name, stored.ContentType, stored.Width, stored.Height));
        Assert.Equal(new StoredImageInfo("a.webp", "image/webp", 30, 20, 300), await Storage.Images.InfoAsync("a.webp"));
        Assert.Null(await Storage.Images.GetAsync("missing.webp"));
        Assert.Null(await Storage.Images.InfoAsync("missing.webp"));
        Assert.Equal(1, await Database.ScalarAsync("SELECT count(*) FROM images"));
    }

    [Fact]
    public async Task A_members_photo_is_the_last_one_set_and_its_bytes_are_readable_by_member()
    {
        Assert.Null(await Storage.MemberPhotos.NameAsync("mem_1"));
        Assert.Null(await Storage.MemberPhotos.PhotoAsync("mem_1"));

        await Storage.MemberPhotos.SetAsync("mem_1", Image("first.webp", 1));
        await Storage.MemberPhotos.SetAsync("mem_1", Image("second.webp", 2));

        Assert.Equal("second.webp", await Storage.MemberPhotos.NameAsync("mem_1"));
        Assert.Equal(Image("second.webp", 2).Data, await Storage.MemberPhotos.PhotoAsync("mem_1"));
        Assert.NotNull(await Storage.Images.InfoAsync("first.webp")); // images are never deleted: a cached URL keeps working
        Assert.Equal(1, await Database.ScalarAsync("SELECT count(*) FROM member_photos"));
    }

    [Fact]
    public async Task Two_members_with_the_same_photo_share_one_image()
    {
        await Storage.MemberPhotos.SetAsync("mem_a", Image("same.webp", 3));
        await Storage.MemberPhotos.SetAsync("mem_b", Image("same.webp", 3));

        Assert.Equal("same.webp", await Storage.MemberPhotos.NameAsync("mem_a"));
        Assert.Equal("same.webp", await Storage.MemberPhotos.NameAsync("mem_b"));
        Assert.Equal(1, await Database.ScalarAsync("SELECT count(*) FROM images"));
    }

    [Fact]
    public async Task Twenty_concurrent_uploads_for_one_member_leave_one_of_them_as_the_photo()
    {
        var uploads = Enumerable.Range(0, 20).Select(i => Image($"p{i}.webp", (byte)i)).ToList();

        await Task.WhenAll(uploads.Select(image => Storage.MemberPhotos.SetAsync("mem_raced", image)));

        var name = await Storage.MemberPhotos.NameAsync("mem_raced");
        var photo = Assert.Single(uploads, image => image.Name == name);
        Assert.Equal(photo.Data, await Storage.MemberPhotos.PhotoAsync("mem_raced"));
        Assert.Equal(20, await Database.ScalarAsync("SELECT count(*) FROM images"));
    }
}
