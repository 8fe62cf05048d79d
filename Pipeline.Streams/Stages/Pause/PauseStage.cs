using System.Threading.Channels;
using Pipeline.Streams.Graph;

namespace Pipeline.Streams.Stages.Pause;

/// <summary>
/// Why: puts a <see cref="PauseGate"/> into a graph. Placed just before the parallel stage, pausing stops new work
/// at once while running items finish; everything above it fills up and waits, so nothing is lost or dropped.
/// </summary>
/// <remarks>
/// It waits for an item to be available, then for the gate, and only then takes the item, so while paused the
/// item stays upstream. A pause that lands between the gate check and the read lets that one item through.
/// </remarks>
public sealed class PauseStage<T>(PauseGate gate) : IStage<T, T>
{
    private readonly PauseGate _gate = gate ?? throw new ArgumentNullException(nameof(gate));

    public async Task RunAsync(ChannelReader<T> input, ChannelWriter<T> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        while (await input.WaitToReadAsync(cancellationToken))
        {
            await _gate.WaitIfPausedAsync(cancellationToken);
            if (input.TryRead(out var item))
            {
                await output.WriteAsync(item, cancellationToken);
            }
        }
    }
}
