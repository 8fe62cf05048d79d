using System.Buffers;
using System.Globalization;
using System.Text;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Streams.Jobs.Exports;

/// <summary>
/// RFC 4180: a header row, CRLF line ends, a field quoted when it holds a comma, a quote, CR or LF (its quotes doubled);
/// UTF-8 without a byte order mark. A field a spreadsheet would run as a formula (starting with <c>=</c>, <c>+</c>,
/// <c>-</c> or <c>@</c>, OWASP's CSV injection list) is prefixed with a single quote, except a plain signed number
/// (<c>+919876543210</c>), which runs nothing: an E.164 phone stays as it is.
/// </summary>
public sealed class CsvAttendeeFormat : IAttendeeFormat
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private static readonly SearchValues<char> NeedsQuotes = SearchValues.Create(",\"\r\n");

    public void WriteHeader(IBufferWriter<byte> output)
    {
        var fields = IAttendeeFormat.Fields;
        for (var i = 0; i < fields.Count; i++)
        {
            WriteField(fields[i], i == 0, output);
        }
        Utf8.GetBytes("\r\n", output);
    }

    public void WriteRow(AttendeeRow row, IBufferWriter<byte> output)
    {
        WriteField(row.RegistrationId, first: true, output);
        WriteField(row.MemberId, first: false, output);
        WriteField(row.Name, first: false, output);
        WriteField(row.Phone, first: false, output);
        WriteField(row.Email, first: false, output);
        WriteField(row.Status, first: false, output);
        WriteField(row.Amount.ToString(CultureInfo.InvariantCulture), first: false, output);
        WriteField(row.Currency, first: false, output);
        WriteField(ExportTime.Format(row.PaidAt), first: false, output);
        WriteField(ExportTime.Format(row.CheckedInAt), first: false, output);
        WriteField(row.TicketStatus, first: false, output);
        Utf8.GetBytes("\r\n", output);
    }

    /// <summary>The text a spreadsheet shows as data: a formula-like value gets a leading single quote.</summary>
    public static string Neutralize(string value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' && !IsSignedNumber(value) ? "'" + value : value;

    private static bool IsSignedNumber(string value) =>
        value.Length > 1 && value[0] is '+' or '-' && value.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;

    private static void WriteField(string? value, bool first, IBufferWriter<byte> output)
    {
        if (!first)
        {
            Utf8.GetBytes(",", output);
        }
        if (value is null)
        {
            return;
        }
        var text = Neutralize(value);
        if (text.AsSpan().IndexOfAny(NeedsQuotes) < 0)
        {
            Utf8.GetBytes(text, output);
            return;
        }
        Utf8.GetBytes("\"", output);
        Utf8.GetBytes(text.Replace("\"", "\"\"", StringComparison.Ordinal), output);
        Utf8.GetBytes("\"", output);
    }
}
