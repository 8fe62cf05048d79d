using Pipeline.Actors.Jobs;

namespace Pipeline.Streams.Jobs;

/// <summary>
/// Collects a run's output into chunks of <see cref="IJobStore.ChunkBytes"/> and stores each as it fills, so a file of
/// any size costs one chunk of memory. Every chunk is written under the run's lease.
/// </summary>
public sealed class JobFileWriter(IJobStore store, JobLease lease)
{
    private readonly byte[] _chunk = new byte[IJobStore.ChunkBytes];
    private int _filled;
    private int _sequence;

    /// <summary>Bytes written so far, stored or not.</summary>
    public long Length { get; private set; }

    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var take = Math.Min(data.Length, _chunk.Length - _filled);
            data.Span[..take].CopyTo(_chunk.AsSpan(_filled));
            _filled += take;
            Length += take;
            data = data[take..];
            if (_filled == _chunk.Length)
            {
                await StoreChunkAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Stores what is left (the last, partial chunk).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_filled > 0)
        {
            await StoreChunkAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task StoreChunkAsync(CancellationToken cancellationToken)
    {
        if (!await store.AppendChunkAsync(lease, _sequence, _chunk.AsMemory(0, _filled), cancellationToken).ConfigureAwait(false))
        {
            throw new JobLeaseLostException(lease.Id);
        }
        _sequence++;
        _filled = 0;
    }
}
