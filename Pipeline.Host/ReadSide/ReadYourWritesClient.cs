using Pipeline.Actors.Engine;

namespace Pipeline.Host.ReadSide;

/// <summary>
/// The entity client the HTTP side uses: each answer to a command that may have written tells <see cref="ReadSideCatchUp"/>
/// that this node's next read must show it. Read commands (<see cref="IReadCommand"/>) mark nothing, and the background
/// pipelines ask the entities directly: their writes show within the projection's poll interval, so a read on a node whose
/// tickets are being sent does not wait for a catch-up on every miss.
/// </summary>
internal sealed class ReadYourWritesClient<TCommand, TReply>(IEntityClient<TCommand, TReply> inner, ReadSideCatchUp readSide)
    : IEntityClient<TCommand, TReply>
{
    public async Task<TReply> AskAsync(string key, TCommand command, CancellationToken cancellationToken = default)
    {
        var reply = await inner.AskAsync(key, command, cancellationToken).ConfigureAwait(false);
        if (command is not IReadCommand)
        {
            readSide.Wrote();
        }
        return reply;
    }
}
