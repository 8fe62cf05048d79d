using System.Threading.Channels;

namespace Pipeline.Streams.Graph;

/// <summary>
/// The output end of a partly built graph: a bounded reader plus the <see cref="StageContext"/> that runs the stages
/// behind it. <c>context.Source(...).Via(a).Via(b).To(sink)</c> builds and starts a graph in one expression.
/// </summary>
public sealed class Flow<T>
{
    internal Flow(ChannelReader<T> reader, StageContext context)
    {
        Reader = reader;
        Context = context;
    }

    /// <summary>Items leaving the last stage. A test may leave it unread to stall the whole graph.</summary>
    public ChannelReader<T> Reader { get; }

    public StageContext Context { get; }

    /// <summary>Starts <paramref name="stage"/> on this flow's items; its output goes to a new bounded channel of <paramref name="outputCapacity"/>.</summary>
    public Flow<TOut> Via<TOut>(IStage<T, TOut> stage, int outputCapacity = StageChannel.DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(stage);
        var channel = StageChannel.CreateBounded<TOut>(outputCapacity);
        var input = Reader;
        Context.Start(async cancellationToken =>
        {
            try
            {
                await stage.RunAsync(input, channel.Writer, cancellationToken);
                channel.Writer.TryComplete();
            }
            catch (Exception error)
            {
                channel.Writer.TryComplete(error);
                throw;
            }
        });
        return new Flow<TOut>(channel.Reader, Context);
    }

    /// <summary>
    /// Ends the graph in <paramref name="sink"/>, called for one item at a time, and returns the completion of the
    /// whole graph: it fails with the first stage's error, or is canceled when the graph was.
    /// </summary>
    public Task To(Func<T, CancellationToken, ValueTask> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var input = Reader;
        Context.Start(async cancellationToken =>
        {
            await foreach (var item in input.ReadAllAsync(cancellationToken))
            {
                await sink(item, cancellationToken);
            }
        });
        return Context.Completion();
    }
}
