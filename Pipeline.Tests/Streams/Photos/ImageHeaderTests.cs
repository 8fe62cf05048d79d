using SkiaSharp;
using Pipeline.Streams.Photos;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Photos;

/// <summary>The header reader the 40 MP check relies on agrees with SkiaSharp's decoders on real files of each kind.</summary>
public sealed class ImageHeaderTests
{
    [Theory]
    [InlineData(SKEncodedImageFormat.Jpeg, ImageFormat.Jpeg)]
    [InlineData(SKEncodedImageFormat.Png, ImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Webp, ImageFormat.Webp)]
    public void Reads_the_size_of_each_format(SKEncodedImageFormat encoded, ImageFormat format)
    {
        var file = TestImages.Marked(321, 123, encoded);

        Assert.Equal(format, ImageSignature.Detect(file));
        Assert.Equal((321, 123), ImageHeader.Dimensions(file, format));
    }

    [Fact]
    public void Reads_the_canvas_of_an_extended_webp_and_skips_exif_in_a_jpeg()
    {
        var webp = PhotoOptimizer.Optimize(TestImages.HalfTransparentPng(77, 55)).Data; // VP8X, with ALPH
        var jpeg = TestImages.WithExifOrientation(TestImages.Marked(64, 48, SKEncodedImageFormat.Jpeg), 6);

        Assert.Equal((77, 55), ImageHeader.Dimensions(webp, ImageFormat.Webp));
        Assert.Equal((64, 48), ImageHeader.Dimensions(jpeg, ImageFormat.Jpeg)); // stored size, before turning
    }

    [Fact]
    public void A_bare_png_header_is_enough()
    {
        Assert.Equal((20000, 20000), ImageHeader.Dimensions(TestImages.PngHeaderOnly(20000, 20000), ImageFormat.Png));
    }
}
