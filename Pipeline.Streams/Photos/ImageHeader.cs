using System.Buffers.Binary;

namespace Pipeline.Streams.Photos;

/// <summary>
/// An image's pixel size read from its header alone, without a decoder: a file whose header claims too many pixels is
/// refused before anything is decoded or allocated for it, even when it holds no pixel data at all (which a decoder
/// would reject as merely truncated).
/// </summary>
public static class ImageHeader
{
    /// <summary>The width and height the header of <paramref name="data"/> (in <paramref name="format"/>) declares; null when it has none (truncated or malformed).</summary>
    public static (int Width, int Height)? Dimensions(ReadOnlySpan<byte> data, ImageFormat format) => format switch
    {
        ImageFormat.Png => Png(data),
        ImageFormat.Jpeg => Jpeg(data),
        ImageFormat.Webp => Webp(data),
        _ => null,
    };

    /// <summary>The IHDR chunk comes first, right after the 8-byte signature: length, "IHDR", width, height (big-endian).</summary>
    private static (int, int)? Png(ReadOnlySpan<byte> data) =>
        data.Length >= 24 && data[12..16].SequenceEqual("IHDR"u8)
            ? Positive(BinaryPrimitives.ReadUInt32BigEndian(data[16..]), BinaryPrimitives.ReadUInt32BigEndian(data[20..]))
            : null;

    /// <summary>Walks the marker segments to the first start-of-frame, which holds height then width.</summary>
    private static (int, int)? Jpeg(ReadOnlySpan<byte> data)
    {
        var at = 2;
        while (at + 4 <= data.Length)
        {
            if (data[at] != 0xFF)
            {
                return null;
            }
            var marker = data[at + 1];
            if (marker == 0xFF)
            {
                at++; // fill byte
                continue;
            }
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                at += 2; // no length
                continue;
            }
            if (marker is 0xD9 or 0xDA)
            {
                return null; // end of image, or scan data before any frame header
            }
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[(at + 2)..]);
            if (IsStartOfFrame(marker))
            {
                return at + 9 <= data.Length
                    ? Positive(BinaryPrimitives.ReadUInt16BigEndian(data[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(data[(at + 5)..]))
                    : null;
            }
            at += 2 + length;
        }
        return null;
    }

    /// <summary>SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC).</summary>
    private static bool IsStartOfFrame(byte marker) => marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;

    /// <summary>The first chunk after "RIFF size WEBP": VP8X holds the canvas size, VP8L and VP8 their bitstream's.</summary>
    private static (int, int)? Webp(ReadOnlySpan<byte> data)
    {
        if (data.Length < 30)
        {
            return null;
        }
        var chunk = data[12..16];
        var body = data[20..];
        if (chunk.SequenceEqual("VP8X"u8))
        {
            return Positive(1 + ReadUInt24(body[4..]), 1 + ReadUInt24(body[7..]));
        }
        if (chunk.SequenceEqual("VP8L"u8) && body[0] == 0x2F)
        {
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(body[1..]);
            return Positive(1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF));
        }
        if (chunk.SequenceEqual("VP8 "u8) && body[3] == 0x9D && body[4] == 0x01 && body[5] == 0x2A)
        {
            return Positive(BinaryPrimitives.ReadUInt16LittleEndian(body[6..]) & 0x3FFFu, BinaryPrimitives.ReadUInt16LittleEndian(body[8..]) & 0x3FFFu);
        }
        return null;
    }

    private static uint ReadUInt24(ReadOnlySpan<byte> data) => data[0] | ((uint)data[1] << 8) | ((uint)data[2] << 16);

    private static (int, int)? Positive(uint width, uint height) =>
        width is > 0 and <= int.MaxValue && height is > 0 and <= int.MaxValue ? ((int)width, (int)height) : null;
}
