using Pipeline.Streams.Tickets;
using SkiaSharp;

namespace Pipeline.Tests.Streams.Tickets;

public sealed class TicketPhotoTests
{
    [Theory]
    [InlineData(SKEncodedImageFormat.Jpeg)]
    [InlineData(SKEncodedImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Webp)]
    public void A_portrait_photo_becomes_an_opaque_square_of_its_centre(SKEncodedImageFormat format)
    {
        // Red, green, blue thirds of a tall photo: the centre square is all green.
        var photo = TestPhotos.Bands(format, 400, 1200, SKColors.Red, SKColors.Lime, SKColors.Blue);

        using var thumbnail = TicketPhoto.TryThumbnail(photo);

        Assert.NotNull(thumbnail);
        Assert.Equal(TicketPhoto.Pixels, thumbnail.Width);
        Assert.Equal(TicketPhoto.Pixels, thumbnail.Height);
        Assert.Equal(SKAlphaType.Opaque, thumbnail.AlphaType);
        foreach (var (x, y) in new[] { (2, 2), (84, 84), (165, 165) })
            AssertNear(SKColors.Lime, Pixel(thumbnail, x, y));
    }

    [Theory]
    [InlineData(1, "red", "red", "blue", "blue")] // top left, top right, bottom left, bottom right of the shown square
    [InlineData(3, "blue", "blue", "red", "red")] // stored upside down
    [InlineData(6, "blue", "red", "blue", "red")] // stored a quarter turn anticlockwise: the top row belongs on the right
    [InlineData(8, "red", "blue", "red", "blue")] // stored a quarter turn clockwise: the top row belongs on the left
    public void A_jpeg_is_turned_upright_by_its_exif_orientation(ushort orientation, string topLeft, string topRight, string bottomLeft, string bottomRight)
    {
        var photo = TestPhotos.WithExifOrientation(TestPhotos.Bands(SKEncodedImageFormat.Jpeg, 300, 300, SKColors.Red, SKColors.Blue), orientation);

        using var thumbnail = TicketPhoto.TryThumbnail(photo);

        Assert.NotNull(thumbnail);
        AssertNear(Named(topLeft), Pixel(thumbnail, 20, 20));
        AssertNear(Named(topRight), Pixel(thumbnail, 147, 20));
        AssertNear(Named(bottomLeft), Pixel(thumbnail, 20, 147));
        AssertNear(Named(bottomRight), Pixel(thumbnail, 147, 147));
    }

    [Fact]
    public void No_photo_garbage_and_a_truncated_file_give_no_thumbnail()
    {
        var jpeg = TestPhotos.Portrait(SKEncodedImageFormat.Jpeg);

        Assert.Null(TicketPhoto.TryThumbnail(null));
        Assert.Null(TicketPhoto.TryThumbnail([]));
        Assert.Null(TicketPhoto.TryThumbnail("definitely not an image"u8.ToArray()));
        Assert.Null(TicketPhoto.TryThumbnail([0xFF, 0xD8, 0xFF, 0xE0, 0, 16, .. "JFIF\0"u8])); // a JPEG header and nothing else
        Assert.Null(TicketPhoto.TryThumbnail(jpeg[..(jpeg.Length / 2)]));
    }

    [Fact]
    public void A_tiny_photo_is_scaled_up_to_the_thumbnail()
    {
        using var thumbnail = TicketPhoto.TryThumbnail(TestPhotos.Bands(SKEncodedImageFormat.Png, 8, 8, SKColors.Lime));

        Assert.NotNull(thumbnail);
        Assert.Equal(TicketPhoto.Pixels, thumbnail.Width);
        AssertNear(SKColors.Lime, Pixel(thumbnail, 84, 84));
    }

    private static SKColor Named(string name) => name switch
    {
        "red" => SKColors.Red,
        "blue" => SKColors.Blue,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static SKColor Pixel(SKImage image, int x, int y)
    {
        using var bitmap = SKBitmap.FromImage(image);
        return bitmap.GetPixel(x, y);
    }

    /// <summary>Within JPEG's colour error.</summary>
    private static void AssertNear(SKColor expected, SKColor actual)
    {
        var distance = Math.Abs(expected.Red - actual.Red) + Math.Abs(expected.Green - actual.Green) + Math.Abs(expected.Blue - actual.Blue);
        Assert.True(distance < 60, $"expected about {expected}, got {actual}");
    }
}
