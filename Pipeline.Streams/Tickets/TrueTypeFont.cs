using System.Buffers.Binary;

namespace Pipeline.Streams.Tickets;

/// <summary>
/// Read access to the tables of a TrueType (glyf-outline) font file, enough for <see cref="TrueTypeSubsetter"/>.
/// Immutable after <see cref="Parse"/>, so one instance serves every thread.
/// </summary>
internal sealed class TrueTypeFont
{
    private const ushort ArgsAreWords = 0x0001;
    private const ushort HaveScale = 0x0008;
    private const ushort MoreComponents = 0x0020;
    private const ushort HaveXYScale = 0x0040;
    private const ushort HaveTwoByTwo = 0x0080;

    private readonly byte[] _data;
    private readonly Dictionary<string, (int Offset, int Length)> _tables;
    private readonly bool _longLoca;

    private TrueTypeFont(byte[] data, Dictionary<string, (int Offset, int Length)> tables)
    {
        _data = data;
        _tables = tables;
        GlyphCount = BinaryPrimitives.ReadUInt16BigEndian(Table("maxp")[4..]);
        HorizontalMetricCount = BinaryPrimitives.ReadUInt16BigEndian(Table("hhea")[34..]);
        _longLoca = BinaryPrimitives.ReadInt16BigEndian(Table("head")[50..]) == 1;
        if (HorizontalMetricCount == 0 || HorizontalMetricCount > GlyphCount)
            throw new InvalidDataException("The font's hhea table has an invalid number of horizontal metrics.");
    }

    public int GlyphCount { get; }

    /// <summary>hhea's numberOfHMetrics: glyphs from here on share the last advance width.</summary>
    public int HorizontalMetricCount { get; }

    /// <exception cref="InvalidDataException">Not a TrueType font with glyph outlines, or a table lies outside the file.</exception>
    public static TrueTypeFont Parse(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length < 12 || BinaryPrimitives.ReadUInt32BigEndian(data) is not (0x00010000 or 0x74727565)) // 1.0 or 'true'
            throw new InvalidDataException("Not a TrueType font file (CFF fonts and collections are not supported).");
        var count = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(4));
        var tables = new Dictionary<string, (int, int)>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var record = data.AsSpan(12 + 16 * i, 16);
            var tag = System.Text.Encoding.ASCII.GetString(record[..4]);
            var offset = BinaryPrimitives.ReadUInt32BigEndian(record[8..]);
            var length = BinaryPrimitives.ReadUInt32BigEndian(record[12..]);
            if (offset + (ulong)length > (ulong)data.Length)
                throw new InvalidDataException($"The font's '{tag}' table lies outside the file.");
            tables[tag] = ((int)offset, (int)length);
        }
        foreach (var required in new[] { "head", "hhea", "maxp", "hmtx", "loca", "glyf" })
        {
            if (!tables.ContainsKey(required))
                throw new InvalidDataException($"The font has no '{required}' table.");
        }
        return new TrueTypeFont(data, tables);
    }

    public bool HasTable(string tag) => _tables.ContainsKey(tag);

    public ReadOnlySpan<byte> Table(string tag)
    {
        var (offset, length) = _tables[tag];
        return _data.AsSpan(offset, length);
    }

    /// <summary>The outline of one glyph as stored in glyf (empty for a glyph without contours, such as a space).</summary>
    public ReadOnlySpan<byte> Glyph(int glyph)
    {
        if ((uint)glyph >= (uint)GlyphCount)
            throw new ArgumentOutOfRangeException(nameof(glyph), glyph, "No such glyph in the font.");
        var loca = Table("loca");
        var (start, end) = _longLoca
            ? ((int)BinaryPrimitives.ReadUInt32BigEndian(loca[(4 * glyph)..]), (int)BinaryPrimitives.ReadUInt32BigEndian(loca[(4 * glyph + 4)..]))
            : (2 * BinaryPrimitives.ReadUInt16BigEndian(loca[(2 * glyph)..]), 2 * BinaryPrimitives.ReadUInt16BigEndian(loca[(2 * glyph + 2)..]));
        var glyf = Table("glyf");
        if (start > end || end > glyf.Length)
            throw new InvalidDataException($"The font's loca entry of glyph {glyph} lies outside glyf.");
        return glyf[start..end];
    }

    /// <summary>Advance width and left side bearing of a glyph, in font units.</summary>
    public (ushort Advance, short LeftSideBearing) HorizontalMetrics(int glyph)
    {
        var hmtx = Table("hmtx");
        if (glyph < HorizontalMetricCount)
            return (BinaryPrimitives.ReadUInt16BigEndian(hmtx[(4 * glyph)..]), BinaryPrimitives.ReadInt16BigEndian(hmtx[(4 * glyph + 2)..]));
        var advance = BinaryPrimitives.ReadUInt16BigEndian(hmtx[(4 * (HorizontalMetricCount - 1))..]);
        return (advance, BinaryPrimitives.ReadInt16BigEndian(hmtx[(4 * HorizontalMetricCount + 2 * (glyph - HorizontalMetricCount))..]));
    }

    /// <summary>
    /// Where a composite glyph's outline names other glyphs: the byte offsets, within <paramref name="glyph"/>, of
    /// each component's glyph index. Empty for a simple glyph.
    /// </summary>
    public static List<int> ComponentIndexOffsets(ReadOnlySpan<byte> glyph)
    {
        var offsets = new List<int>();
        if (glyph.Length < 10 || BinaryPrimitives.ReadInt16BigEndian(glyph) >= 0)
            return offsets;
        var position = 10; // after numberOfContours and the bounding box
        ushort flags;
        do
        {
            if (position + 4 > glyph.Length)
                throw new InvalidDataException("A composite glyph ends inside a component record.");
            flags = BinaryPrimitives.ReadUInt16BigEndian(glyph[position..]);
            offsets.Add(position + 2);
            position += 4 + ((flags & ArgsAreWords) != 0 ? 4 : 2);
            if ((flags & HaveScale) != 0)
                position += 2;
            else if ((flags & HaveXYScale) != 0)
                position += 4;
            else if ((flags & HaveTwoByTwo) != 0)
                position += 8;
        }
        while ((flags & MoreComponents) != 0);
        return offsets;
    }
}
