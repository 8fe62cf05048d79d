using System.Buffers;
using System.Text.Json;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Streams.Jobs.Exports;

/// <summary>One JSON object a line (<c>\n</c>), the contract's field names, no header; values exactly as stored.</summary>
public sealed class NdjsonAttendeeFormat : IAttendeeFormat
{
    private static readonly JsonWriterOptions Options = new() { SkipValidation = true };

    public void WriteHeader(IBufferWriter<byte> output)
    {
    }

    public void WriteRow(AttendeeRow row, IBufferWriter<byte> output)
    {
        using (var json = new Utf8JsonWriter(output, Options))
        {
            json.WriteStartObject();
            json.WriteString("registrationId", row.RegistrationId);
            json.WriteString("memberId", row.MemberId);
            json.WriteString("name", row.Name);
            json.WriteString("phone", row.Phone);
            json.WriteString("email", row.Email);
            json.WriteString("status", row.Status);
            json.WriteNumber("amount", row.Amount);
            json.WriteString("currency", row.Currency);
            json.WriteString("paidAt", ExportTime.Format(row.PaidAt));
            json.WriteString("checkedInAt", ExportTime.Format(row.CheckedInAt));
            json.WriteString("ticketStatus", row.TicketStatus);
            json.WriteEndObject();
        }
        output.Write("\n"u8);
    }
}
