using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace Pipeline.Tests.Streams.Jobs;

/// <summary>Reads an export back with CsvHelper, a real RFC 4180 parser (quoted fields, doubled quotes, line breaks in fields).</summary>
public static class AttendeeCsv
{
    public static (string[] Header, List<string[]> Rows) Parse(byte[] file)
    {
        var text = Encoding.UTF8.GetString(file);
        using var reader = new CsvReader(new StringReader(text), new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            HasHeaderRecord = true,
            // Any stray quote or field count that differs from the header is a broken export: fail rather than guess.
            BadDataFound = args => throw new InvalidOperationException($"bad CSV data: {args.RawRecord}"),
            DetectColumnCountChanges = true,
        });
        Assert.True(reader.Read());
        reader.ReadHeader();
        var header = reader.HeaderRecord!;
        var rows = new List<string[]>();
        while (reader.Read())
        {
            rows.Add(Enumerable.Range(0, header.Length).Select(i => reader.GetField(i)!).ToArray());
        }
        return (header, rows);
    }
}
