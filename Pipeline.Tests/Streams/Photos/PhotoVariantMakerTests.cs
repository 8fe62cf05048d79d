using SkiaSharp;
using Pipeline.Streams.Photos;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Photos;

public sealed class PhotoVariantMakerTests
{
    private static readonly EncodedImage Photo = PhotoOptimizer.Optimize(TestImages.Marked(1200, 800, SKEncodedImageFormat.Jpeg));

    [Theory]
    [InlineData(64, ImageFormat.Jpeg, 64, 43)]
    [InlineData(256, ImageFormat.Png, 256, 171)]
    [InlineData(512, ImageFormat.Webp, 512, 342)] // 341.5 rounds up
    [InlineData(1024, ImageFormat.Jpeg, 1024, 683)]
    public void A_variant_has_the_width_and_format_asked_for(int width, ImageFormat format, int expectedWidth, int expectedHeight)
    {
        var variant = PhotoVariantMaker.Make(Photo.Data, width, format);

        Assert.Equal(format, variant.Format);
        Assert.Equal(format, ImageSignature.Detect(variant.Data));
        Assert.Equal((expectedWidth, expectedHeight), (variant.Width, variant.Height));
        Assert.Equal((expectedWidth, expectedHeight), TestImages.SizeOf(variant.Data));
        Assert.True(TestImages.Near(TestImages.PixelAt(variant.Data, 2, 2), TestImages.Marker));
    }

    [Fact]
    public void A_variant_is_never_wider_than_its_photo()
    {
        var small = PhotoOptimizer.Optimize(TestImages.Marked(100, 80, SKEncodedImageFormat.Png));

        var variant = PhotoVariantMaker.Make(small.Data, 512, ImageFormat.Png);

        Assert.Equal((100, 80), (variant.Width, variant.Height));
    }

    [Fact]
    public void A_jpeg_variant_of_a_transparent_photo_is_white_where_it_was_transparent()
    {
        var photo = PhotoOptimizer.Optimize(TestImages.HalfTransparentPng(200, 100));

        var variant = PhotoVariantMaker.Make(photo.Data, 128, ImageFormat.Jpeg);

        Assert.True(TestImages.Near(TestImages.PixelAt(variant.Data, 120, 30), SKColors.White));
        Assert.True(TestImages.Near(TestImages.PixelAt(variant.Data, 10, 30), TestImages.Marker));
    }

    [Fact]
    public void Variant_names_derive_from_the_photo_width_and_format()
    {
        var name = ImageNames.For(Photo);
        var stem = name[..^".webp".Length];

        Assert.Equal($"{stem}-w64.jpeg", ImageNames.Variant(name, 64, ImageFormat.Jpeg));
        Assert.Equal($"{stem}.png", ImageNames.Variant(name, null, ImageFormat.Png));
        Assert.Throws<ArgumentException>(() => ImageNames.Variant("../etc/passwd", 64, ImageFormat.Png));
    }
}
