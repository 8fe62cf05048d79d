using System.Buffers.Binary;

namespace Pipeline.Streams.Tickets;

/// <summary>
/// Cuts a TrueType font down to the glyphs of a few characters: a new font file with only those glyphs (renumbered,
/// composite glyphs with their components), their metrics, a cmap for exactly those characters, and the tables a
/// PDF viewer or FreeType needs (head, hhea, maxp, OS/2, name, post without glyph names, and the hinting programs).
/// </summary>
/// <remarks>
/// SkiaSharp's native library is built without Skia's PDF font subsetter (it needs HarfBuzz), so a PDF drawn with a
/// typeface embeds that typeface's whole file: 1.4 MB of DejaVu Sans for a ticket. Drawing with a typeface made from
/// this subset instead embeds a few kilobytes. Layout tables (GSUB, GPOS, kern) are left out: Skia places every glyph
/// itself, so nothing reads them.
/// </remarks>
internal static class TrueTypeSubsetter
{
    private static readonly string[] CopiedTables = ["OS/2", "cvt ", "fpgm", "prep", "gasp"];

    /// <summary>Copyright, family, style, unique id, full name, version, PostScript name: what hb-subset keeps by default.</summary>
    private const int LastKeptNameId = 6;

    /// <param name="font">The full font.</param>
    /// <param name="characters">Code points with their glyph in <paramref name="font"/>; glyph 0 (missing) entries are dropped.</param>
    public static byte[] Subset(TrueTypeFont font, IEnumerable<(int CodePoint, int Glyph)> characters)
    {
        ArgumentNullException.ThrowIfNull(font);
        ArgumentNullException.ThrowIfNull(characters);
        var mapped = characters.Where(c => c.Glyph > 0 && c.Glyph < font.GlyphCount).Distinct().OrderBy(c => c.CodePoint).ToList();
        var oldGlyphs = ClosedGlyphSet(font, mapped.Select(c => c.Glyph));
        var newIds = new Dictionary<int, int>(oldGlyphs.Count);
        for (var i = 0; i < oldGlyphs.Count; i++)
            newIds[oldGlyphs[i]] = i;

        var (glyf, loca) = Outlines(font, oldGlyphs, newIds);
        var tables = new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["glyf"] = glyf,
            ["loca"] = loca,
            ["hmtx"] = HorizontalMetrics(font, oldGlyphs),
            ["cmap"] = CharacterMap(mapped.Select(c => (c.CodePoint, newIds[c.Glyph]))),
            ["head"] = Patched(font.Table("head"), t => BinaryPrimitives.WriteInt16BigEndian(t[50..], 1)), // long loca offsets
            ["hhea"] = Patched(font.Table("hhea"), t => BinaryPrimitives.WriteUInt16BigEndian(t[34..], (ushort)oldGlyphs.Count)),
            ["maxp"] = Patched(font.Table("maxp"), t => BinaryPrimitives.WriteUInt16BigEndian(t[4..], (ushort)oldGlyphs.Count)),
            ["post"] = PostWithoutNames(font),
        };
        if (font.HasTable("name"))
            tables["name"] = Names(font.Table("name"));
        foreach (var tag in CopiedTables.Where(font.HasTable))
            tables[tag] = font.Table(tag).ToArray();
        return Assemble(tables);
    }

    /// <summary>Glyph 0 (drawn for missing characters), the given glyphs and every component they use, ascending.</summary>
    private static List<int> ClosedGlyphSet(TrueTypeFont font, IEnumerable<int> glyphs)
    {
        var set = new SortedSet<int>();
        var pending = new Stack<int>(glyphs.Prepend(0));
        while (pending.Count > 0)
        {
            var glyph = pending.Pop();
            if (!set.Add(glyph))
                continue;
            var outline = font.Glyph(glyph);
            foreach (var offset in TrueTypeFont.ComponentIndexOffsets(outline))
            {
                var component = BinaryPrimitives.ReadUInt16BigEndian(outline[offset..]);
                if (component >= font.GlyphCount)
                    throw new InvalidDataException($"Glyph {glyph} uses glyph {component}, which the font does not have.");
                if (!set.Contains(component))
                    pending.Push(component);
            }
        }
        return [.. set];
    }

    private static (byte[] Glyf, byte[] Loca) Outlines(TrueTypeFont font, List<int> oldGlyphs, Dictionary<int, int> newIds)
    {
        var glyf = new MemoryStream();
        var loca = new byte[4 * (oldGlyphs.Count + 1)];
        for (var i = 0; i < oldGlyphs.Count; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(loca.AsSpan(4 * i), (uint)glyf.Length);
            var outline = font.Glyph(oldGlyphs[i]).ToArray();
            foreach (var offset in TrueTypeFont.ComponentIndexOffsets(outline))
            {
                var component = BinaryPrimitives.ReadUInt16BigEndian(outline.AsSpan(offset));
                BinaryPrimitives.WriteUInt16BigEndian(outline.AsSpan(offset), (ushort)newIds[component]);
            }
            glyf.Write(outline);
            if (glyf.Length % 4 != 0)
                glyf.Write(new byte[4 - glyf.Length % 4]); // glyphs start on 4-byte boundaries, as the spec recommends
        }
        BinaryPrimitives.WriteUInt32BigEndian(loca.AsSpan(4 * oldGlyphs.Count), (uint)glyf.Length);
        return (glyf.ToArray(), loca);
    }

    /// <summary>A full (advance, side bearing) pair for every glyph: hhea's count is set to the glyph count.</summary>
    private static byte[] HorizontalMetrics(TrueTypeFont font, List<int> oldGlyphs)
    {
        var hmtx = new byte[4 * oldGlyphs.Count];
        for (var i = 0; i < oldGlyphs.Count; i++)
        {
            var (advance, bearing) = font.HorizontalMetrics(oldGlyphs[i]);
            BinaryPrimitives.WriteUInt16BigEndian(hmtx.AsSpan(4 * i), advance);
            BinaryPrimitives.WriteInt16BigEndian(hmtx.AsSpan(4 * i + 2), bearing);
        }
        return hmtx;
    }

    /// <summary>One Windows full-Unicode subtable (format 12), which covers supplementary planes as well.</summary>
    private static byte[] CharacterMap(IEnumerable<(int CodePoint, int Glyph)> characters)
    {
        var groups = new List<(int Start, int End, int Glyph)>();
        foreach (var (codePoint, glyph) in characters)
        {
            if (groups.Count > 0 && groups[^1].End + 1 == codePoint && groups[^1].Glyph + (codePoint - groups[^1].Start) == glyph)
                groups[^1] = groups[^1] with { End = codePoint };
            else
                groups.Add((codePoint, codePoint, glyph));
        }
        var cmap = new byte[4 + 8 + 16 + 12 * groups.Count];
        var span = cmap.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], 1); // version 0, one subtable
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], 3); // Windows
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], 10); // Unicode full repertoire
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], 12); // subtable offset
        var table = span[12..];
        BinaryPrimitives.WriteUInt16BigEndian(table, 12); // format
        BinaryPrimitives.WriteUInt32BigEndian(table[4..], (uint)table.Length);
        BinaryPrimitives.WriteUInt32BigEndian(table[12..], (uint)groups.Count);
        for (var i = 0; i < groups.Count; i++)
        {
            var group = table[(16 + 12 * i)..];
            BinaryPrimitives.WriteUInt32BigEndian(group, (uint)groups[i].Start);
            BinaryPrimitives.WriteUInt32BigEndian(group[4..], (uint)groups[i].End);
            BinaryPrimitives.WriteUInt32BigEndian(group[8..], (uint)groups[i].Glyph);
        }
        return cmap;
    }

    /// <summary>post version 3: the header only (italic angle, underline, fixed pitch), no glyph names.</summary>
    private static byte[] PostWithoutNames(TrueTypeFont font)
    {
        var post = new byte[32];
        if (font.HasTable("post") && font.Table("post").Length >= 32)
            font.Table("post")[..32].CopyTo(post);
        BinaryPrimitives.WriteUInt32BigEndian(post, 0x00030000);
        return post;
    }

    /// <summary>
    /// The name records up to <see cref="LastKeptNameId"/> (DejaVu's also carry the whole license text, 15 KB a face,
    /// which would be compressed into every ticket).
    /// </summary>
    private static byte[] Names(ReadOnlySpan<byte> name)
    {
        var count = BinaryPrimitives.ReadUInt16BigEndian(name[2..]);
        var storage = BinaryPrimitives.ReadUInt16BigEndian(name[4..]);
        var kept = new List<(byte[] Record, int Offset, int Length)>();
        for (var i = 0; i < count; i++)
        {
            var record = name.Slice(6 + 12 * i, 12);
            if (BinaryPrimitives.ReadUInt16BigEndian(record[6..]) <= LastKeptNameId)
                kept.Add((record.ToArray(), storage + BinaryPrimitives.ReadUInt16BigEndian(record[10..]), BinaryPrimitives.ReadUInt16BigEndian(record[8..])));
        }
        var header = 6 + 12 * kept.Count;
        var table = new byte[header + kept.Sum(k => k.Length)];
        BinaryPrimitives.WriteUInt16BigEndian(table.AsSpan(2), (ushort)kept.Count); // format 0
        BinaryPrimitives.WriteUInt16BigEndian(table.AsSpan(4), (ushort)header);
        var position = 0;
        for (var i = 0; i < kept.Count; i++)
        {
            var (record, offset, length) = kept[i];
            BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(10), (ushort)position);
            record.CopyTo(table, 6 + 12 * i);
            name.Slice(offset, length).CopyTo(table.AsSpan(header + position));
            position += length;
        }
        return table;
    }

    private static byte[] Patched(ReadOnlySpan<byte> table, TablePatch patch)
    {
        var copy = table.ToArray();
        patch(copy);
        return copy;
    }

    private delegate void TablePatch(Span<byte> table);

    /// <summary>The table directory (sorted by tag, with checksums), the tables on 4-byte boundaries, and head's checksum adjustment.</summary>
    private static byte[] Assemble(SortedDictionary<string, byte[]> tables)
    {
        var headerLength = 12 + 16 * tables.Count;
        var length = headerLength + tables.Values.Sum(t => Padded(t.Length));
        var file = new byte[length];
        var span = file.AsSpan();
        var power = 1;
        var log = 0;
        while (power * 2 <= tables.Count)
        {
            power *= 2;
            log++;
        }
        BinaryPrimitives.WriteUInt32BigEndian(span, 0x00010000);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], (ushort)tables.Count);
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], (ushort)(power * 16));
        BinaryPrimitives.WriteUInt16BigEndian(span[8..], (ushort)log);
        BinaryPrimitives.WriteUInt16BigEndian(span[10..], (ushort)(tables.Count * 16 - power * 16));

        var offset = headerLength;
        var headOffset = -1;
        var record = 12;
        foreach (var (tag, table) in tables)
        {
            table.CopyTo(span[offset..]);
            if (tag == "head")
            {
                headOffset = offset;
                BinaryPrimitives.WriteUInt32BigEndian(span[(offset + 8)..], 0); // checkSumAdjustment, set below
            }
            System.Text.Encoding.ASCII.GetBytes(tag, span[record..]);
            BinaryPrimitives.WriteUInt32BigEndian(span[(record + 4)..], Checksum(span.Slice(offset, Padded(table.Length))));
            BinaryPrimitives.WriteUInt32BigEndian(span[(record + 8)..], (uint)offset);
            BinaryPrimitives.WriteUInt32BigEndian(span[(record + 12)..], (uint)table.Length);
            offset += Padded(table.Length);
            record += 16;
        }
        BinaryPrimitives.WriteUInt32BigEndian(span[(headOffset + 8)..], unchecked(0xB1B0AFBA - Checksum(span)));
        return file;
    }

    private static int Padded(int length) => (length + 3) & ~3;

    private static uint Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (var i = 0; i + 4 <= data.Length; i += 4)
            sum = unchecked(sum + BinaryPrimitives.ReadUInt32BigEndian(data[i..]));
        return sum;
    }
}
