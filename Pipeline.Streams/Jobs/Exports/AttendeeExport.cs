using System.Buffers;
using System.Diagnostics;
using Pipeline.Actors.Jobs;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Streams.Jobs.Exports;

/// <summary>
/// The <c>export</c> job: an event's registrations with their members' contact details, read from the read side a page
/// at a time by position (keyset paging, so memory holds one page and one file chunk whatever the event's size), written
/// as CSV or NDJSON into the job's chunked file, with progress recorded every <see cref="ProgressEvery"/> rows, at most
/// <paramref name="rowsPerSecond"/> rows a second when above 0.
/// </summary>
public sealed class AttendeeExport(IAttendeeReadModel attendees, IEventReadModel events, int rowsPerSecond = 0) : IJobHandler
{
    public const int PageSize = 500;

    /// <summary>Rows between two progress writes: one write per page, never one per row.</summary>
    public const int ProgressEvery = PageSize;

    public string Type => ExportParameters.JobType;

    public async Task<JobFile> RunAsync(JobRun run, CancellationToken cancellationToken)
    {
        var parameters = ExportParameters.FromJson(run.Lease.Parameters);
        var format = IAttendeeFormat.For(parameters.Format);
        var paidOnly = parameters.Status switch
        {
            ExportParameters.Paid => true,
            ExportParameters.All => false,
            _ => throw new JobRejectedException($"Unknown export status '{parameters.Status}'."),
        };
        if (await events.GetAsync(parameters.EventId, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new JobRejectedException($"Event {parameters.EventId} does not exist.");
        }

        // The total is a count at the start: registrations paid during the export may add a few rows beyond it.
        var total = await attendees.CountAsync(parameters.EventId, paidOnly, cancellationToken).ConfigureAwait(false);
        await run.ReportProgressAsync(0, total, cancellationToken).ConfigureAwait(false);

        var file = run.CreateFile();
        var page = new ArrayBufferWriter<byte>(64 * 1024);
        format.WriteHeader(page);
        long done = 0;
        long after = 0;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var rows = await attendees.ListAsync(parameters.EventId, paidOnly, after, PageSize, cancellationToken).ConfigureAwait(false);
            foreach (var (_, row) in rows)
            {
                format.WriteRow(row, page);
            }
            await file.WriteAsync(page.WrittenMemory, cancellationToken).ConfigureAwait(false);
            page.ResetWrittenCount();
            if (rows.Count == 0)
            {
                break;
            }
            done += rows.Count;
            after = rows[^1].Position;
            await run.ReportProgressAsync(done, Math.Max(total, done), cancellationToken).ConfigureAwait(false);
            if (rows.Count < PageSize)
            {
                break;
            }
            await PaceAsync(done, started, cancellationToken).ConfigureAwait(false);
        }
        await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        return new JobFile(parameters.FileName, parameters.ContentType, file.Length);
    }

    /// <summary>Waits until <paramref name="done"/> rows are within the rate since the start, so the next page keeps to it.</summary>
    private Task PaceAsync(long done, long started, CancellationToken cancellationToken)
    {
        if (rowsPerSecond <= 0)
        {
            return Task.CompletedTask;
        }
        var ahead = TimeSpan.FromSeconds((double)done / rowsPerSecond) - Stopwatch.GetElapsedTime(started);
        return ahead > TimeSpan.Zero ? Task.Delay(ahead, cancellationToken) : Task.CompletedTask;
    }
}
