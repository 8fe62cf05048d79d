using SkiaSharp;
using Pipeline.Streams.Photos;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Photos;

public sealed class PhotoOptimizerTests
{
    /// <summary>
    /// A 300 x 200 stored picture, red block in its stored top-left corner, under each EXIF orientation: where the block
    /// must be once upright (TL, TR, BL, BR) and whether width and height swap. From the EXIF definitions of 1-8.
    /// </summary>
    [Theory]
    [InlineData(1, "TL", false)]
    [InlineData(2, "TR", false)] // mirrored left-right
    [InlineData(3, "BR", false)] // turned 180°
    [InlineData(4, "BL", false)] // mirrored top-bottom
    [InlineData(5, "TL", true)]  // transposed
    [InlineData(6, "TR", true)]  // to be turned 90° clockwise
    [InlineData(7, "BR", true)]  // transverse
    [InlineData(8, "BL", true)]  // to be turned 90° counter-clockwise
    public void Each_exif_orientation_comes_out_upright(ushort orientation, string markedCorner, bool swapped)
    {
        var upload = TestImages.WithExifOrientation(TestImages.Marked(300, 200, SKEncodedImageFormat.Jpeg), orientation);

        var photo = PhotoOptimizer.Optimize(upload);

        Assert.Equal(swapped ? (200, 300) : (300, 200), (photo.Width, photo.Height));
        Assert.Equal((photo.Width, photo.Height), TestImages.SizeOf(photo.Data));
        var corners = new Dictionary<string, (int X, int Y)>
        {
            ["TL"] = (5, 5), ["TR"] = (photo.Width - 6, 5), ["BL"] = (5, photo.Height - 6), ["BR"] = (photo.Width - 6, photo.Height - 6),
        };
        foreach (var (corner, (x, y)) in corners)
        {
            var expected = corner == markedCorner ? TestImages.Marker : TestImages.Background;
            var actual = TestImages.PixelAt(photo.Data, x, y);
            Assert.True(TestImages.Near(actual, expected), $"{corner} is {actual}, expected {expected}");
        }
    }

    [Fact]
    public void The_result_is_webp_without_any_metadata()
    {
        var upload = TestImages.WithExifOrientation(TestImages.Marked(300, 200, SKEncodedImageFormat.Jpeg), 6);

        var photo = PhotoOptimizer.Optimize(upload);

        Assert.Equal(ImageFormat.Webp, photo.Format);
        Assert.Equal(ImageFormat.Webp, ImageSignature.Detect(photo.Data));
        foreach (var chunk in new[] { "EXIF", "XMP ", "ICCP" })
        {
            Assert.False(TestImages.HasWebpChunk(photo.Data, chunk), $"the WebP carries a {chunk} chunk");
        }
        using var codec = SKCodec.Create(SKData.CreateCopy(photo.Data));
        Assert.Equal(SKEncodedOrigin.TopLeft, codec.EncodedOrigin);
    }

    [Fact]
    public void Transparency_is_kept()
    {
        var photo = PhotoOptimizer.Optimize(TestImages.HalfTransparentPng(200, 100));

        Assert.Equal((200, 100), (photo.Width, photo.Height));
        Assert.True(TestImages.HasWebpChunk(photo.Data, "ALPH"));
        Assert.Equal(255, TestImages.PixelAt(photo.Data, 20, 50).Alpha);
        Assert.Equal(0, TestImages.PixelAt(photo.Data, 180, 50).Alpha);
    }

    [Theory]
    [InlineData(3000, 2000, SKEncodedImageFormat.Jpeg, 1024, 683)]
    [InlineData(3000, 2000, SKEncodedImageFormat.Png, 1024, 683)]
    [InlineData(2000, 3000, SKEncodedImageFormat.Webp, 683, 1024)]
    [InlineData(1024, 1024, SKEncodedImageFormat.Jpeg, 1024, 1024)]
    [InlineData(640, 480, SKEncodedImageFormat.Png, 640, 480)] // never enlarged
    public void Big_pictures_fit_within_1024_px_and_small_ones_keep_their_size(
        int width, int height, SKEncodedImageFormat format, int expectedWidth, int expectedHeight)
    {
        var photo = PhotoOptimizer.Optimize(TestImages.Marked(width, height, format));

        Assert.Equal((expectedWidth, expectedHeight), (photo.Width, photo.Height));
        Assert.Equal((expectedWidth, expectedHeight), TestImages.SizeOf(photo.Data));
        Assert.True(TestImages.Near(TestImages.PixelAt(photo.Data, 3, 3), TestImages.Marker));
        Assert.True(TestImages.Near(TestImages.PixelAt(photo.Data, photo.Width - 4, photo.Height - 4), TestImages.Background));
    }

    [Fact]
    public void A_camera_sized_jpeg_comes_out_far_smaller()
    {
        var upload = TestImages.Detailed(3000, 2000, SKEncodedImageFormat.Jpeg);

        var photo = PhotoOptimizer.Optimize(upload);

        Assert.True(photo.Data.Length * 4 < upload.Length, $"{upload.Length} -> {photo.Data.Length} bytes");
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Jpeg)]
    [InlineData(SKEncodedImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Webp)]
    public void A_truncated_image_is_invalid(SKEncodedImageFormat format)
    {
        var whole = TestImages.Detailed(400, 300, format);

        foreach (var length in new[] { whole.Length / 2, 40, 12 })
        {
            var rejected = Assert.Throws<ImageRejectedException>(() => PhotoOptimizer.Optimize(whole[..length]));
            Assert.Equal(ImageRejection.Invalid, rejected.Reason);
        }
    }

    [Fact]
    public void A_header_claiming_more_than_40_megapixels_is_refused_before_decoding()
    {
        var rejected = Assert.Throws<ImageRejectedException>(() => PhotoOptimizer.Optimize(TestImages.PngHeaderOnly(20000, 20000)));

        Assert.Equal(ImageRejection.TooManyPixels, rejected.Reason);
    }

    [Fact]
    public void Just_under_the_pixel_limit_is_judged_by_the_decoder_instead()
    {
        // 6000 x 6000 = 36 MP passes the header check; with no pixel data the decoder then finds it truncated.
        var rejected = Assert.Throws<ImageRejectedException>(() => PhotoOptimizer.Optimize(TestImages.PngHeaderOnly(6000, 6000)));

        Assert.Equal(ImageRejection.Invalid, rejected.Reason);
    }

    [Fact]
    public void Text_gif_and_nothing_are_unsupported()
    {
        foreach (var upload in new[] { TestImages.Text(), TestImages.Gif(), [] })
        {
            var rejected = Assert.Throws<ImageRejectedException>(() => PhotoOptimizer.Optimize(upload));
            Assert.Equal(ImageRejection.Unsupported, rejected.Reason);
        }
    }

    [Fact]
    public void The_same_upload_gives_the_same_bytes_and_name()
    {
        var upload = TestImages.Marked(500, 400, SKEncodedImageFormat.Png);

        var first = PhotoOptimizer.Optimize(upload);
        var second = PhotoOptimizer.Optimize(upload);

        Assert.Equal(first.Data, second.Data);
        Assert.Equal(ImageNames.For(first), ImageNames.For(second));
        Assert.Matches("^[0-9a-f]{64}\\.webp$", ImageNames.For(first));
        Assert.True(ImageNames.IsPhoto(ImageNames.For(first)));
    }
}
