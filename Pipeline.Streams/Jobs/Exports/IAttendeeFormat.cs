using System.Buffers;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Streams.Jobs.Exports;

/// <summary>How attendee rows are written into an export file, UTF-8 into a buffer.</summary>
public interface IAttendeeFormat
{
    void WriteHeader(IBufferWriter<byte> output);

    void WriteRow(AttendeeRow row, IBufferWriter<byte> output);

    /// <summary>The contract's fields, in file order.</summary>
    public static IReadOnlyList<string> Fields { get; } =
        ["registrationId", "memberId", "name", "phone", "email", "status", "amount", "currency", "paidAt", "checkedInAt", "ticketStatus"];

    public static IAttendeeFormat For(string format) => format switch
    {
        ExportParameters.Csv => new CsvAttendeeFormat(),
        ExportParameters.Ndjson => new NdjsonAttendeeFormat(),
        _ => throw new JobRejectedException($"Unknown export format '{format}'."),
    };
}
