using System.Buffers;
using System.Text;
using Pipeline.Actors.ReadSide;
using Pipeline.Streams.Jobs.Exports;

namespace Pipeline.Tests.Streams.Jobs;

public sealed class CsvAttendeeFormatTests
{
    private static readonly DateTimeOffset PaidAt = new(2026, 11, 2, 10, 15, 30, 123, TimeSpan.Zero);

    [Fact]
    public void Commas_quotes_line_breaks_and_non_ascii_text_parse_back_unchanged_under_a_header_row()
    {
        AttendeeRow[] rows =
        [
            Row("reg_1", "Lastname, Firstname", "+919876543210", "a@example.com"),
            Row("reg_2", "The \"Boss\"", "+14155550100", null),
            Row("reg_3", "Two\r\nLines\nand\rbreaks", "+442071838750", "x@example.com"),
            Row("reg_4", "Ünïcødé 名前 🎟", "+919000000000", "ü@example.com"),
            Row("reg_5", "", "+919000000001", ""),
        ];

        var (header, parsed) = AttendeeCsv.Parse(Write(rows));

        Assert.Equal(IAttendeeFormat.Fields, header);
        Assert.Equal(rows.Length, parsed.Count);
        Assert.All(rows.Zip(parsed), pair => Assert.Equal(Expected(pair.Item1), pair.Item2));
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://evil.example\",\"click\")")]
    [InlineData("+cmd|' /C calc'!A0")]
    [InlineData("-2+3")]
    [InlineData("@SUM(A1:A2)")]
    [InlineData("=1+2")]
    public void A_name_a_spreadsheet_would_run_as_a_formula_is_prefixed_with_a_single_quote(string name)
    {
        var (_, parsed) = AttendeeCsv.Parse(Write([Row("reg_1", name, "+919876543210", "a@example.com")]));

        var row = Assert.Single(parsed);
        Assert.Equal("'" + name, row[2]);
        Assert.Equal("+919876543210", row[3]); // a plain signed number runs nothing: the phone stays as it is
    }

    [Fact]
    public void Rows_end_with_CRLF_and_the_file_has_no_byte_order_mark()
    {
        var file = Write([Row("reg_1", "Asha", "+919876543210", null)]);

        Assert.NotEqual(0xEF, file[0]);
        var text = Encoding.UTF8.GetString(file);
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
        Assert.Equal(2, text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }

    internal static string[] Expected(AttendeeRow row) =>
    [
        row.RegistrationId, row.MemberId, CsvAttendeeFormat.Neutralize(row.Name ?? ""), CsvAttendeeFormat.Neutralize(row.Phone ?? ""),
        CsvAttendeeFormat.Neutralize(row.Email ?? ""), row.Status, row.Amount.ToString(System.Globalization.CultureInfo.InvariantCulture),
        row.Currency, Time(row.PaidAt), Time(row.CheckedInAt), row.TicketStatus,
    ];

    private static string Time(DateTimeOffset? at) =>
        at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture) ?? "";

    private static AttendeeRow Row(string id, string name, string phone, string? email) =>
        new(id, "mem_" + id, name, phone, email, "paid", 49900, "INR", PaidAt, null, "sent");

    private static byte[] Write(IEnumerable<AttendeeRow> rows)
    {
        var format = new CsvAttendeeFormat();
        var output = new ArrayBufferWriter<byte>();
        format.WriteHeader(output);
        foreach (var row in rows)
        {
            format.WriteRow(row, output);
        }
        return output.WrittenSpan.ToArray();
    }
}
