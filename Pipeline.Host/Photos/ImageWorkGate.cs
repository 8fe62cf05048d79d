namespace Pipeline.Host.Photos;

/// <summary>
/// Bounds how many images are decoded at once, to one per core: each holds up to a full decoded picture (4 bytes a
/// pixel, 160 MB at the 40 MP limit), and more at once than there are cores would only add memory, not speed.
/// </summary>
internal sealed class ImageWorkGate : IDisposable
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, Environment.ProcessorCount));

    public async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            return work();
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
