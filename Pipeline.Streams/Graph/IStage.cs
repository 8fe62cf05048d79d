using System.Threading.Channels;

namespace Pipeline.Streams.Graph;

/// <summary>
/// One step of a stream graph: reads <paramref name="input"/> until it completes and writes to a bounded
/// <paramref name="output"/>. Backpressure is nothing more than awaiting <c>WriteAsync</c> on a full bounded channel,
/// so a slow sink stalls every stage above it down to the source.
/// </summary>
/// <remarks>
/// A stage neither completes nor owns its output: <see cref="Flow{T}.Via{TOut}"/> completes it when
/// <see cref="RunAsync"/> returns, or fails it with the exception <see cref="RunAsync"/> threw, so errors travel
/// downstream the same way items do. A stage instance may be run again after a run ended (a restarted graph reuses
/// the stages that carry live settings), but not by two graphs at once.
/// </remarks>
public interface IStage<TIn, TOut>
{
    Task RunAsync(ChannelReader<TIn> input, ChannelWriter<TOut> output, CancellationToken cancellationToken);
}
