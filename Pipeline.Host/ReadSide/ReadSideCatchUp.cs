using Akka.Actor;
using Akka.Hosting;
using Pipeline.Actors.Projections;

namespace Pipeline.Host.ReadSide;

/// <summary>The journal projection (a cluster singleton), as the actor registry knows its proxy.</summary>
public sealed class JournalProjectionProxy;

/// <summary>
/// Read-your-writes for the read side on this node: every answer to an HTTP write counts (<see cref="Wrote"/>, called
/// by <see cref="ReadYourWritesClient{TCommand, TReply}"/>), and a read of lists or counts first asks the journal
/// projection to apply everything committed so far (<see cref="WaitAsync"/>) unless a catch-up already covered every
/// write this node answered. Reads on a node that wrote nothing since cost nothing extra; other nodes' writes show
/// within the projection's poll interval.
/// </summary>
public sealed class ReadSideCatchUp(IRequiredActor<JournalProjectionProxy> projection, ILogger<ReadSideCatchUp> logger)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    private long _written;
    private long _caughtUp;

    /// <summary>An entity answered an HTTP write on this node: the next read must see it.</summary>
    public void Wrote() => Interlocked.Increment(ref _written);

    /// <param name="force">Catch up even if this node wrote nothing since (a record another node may have just written).</param>
    public async Task WaitAsync(CancellationToken cancellationToken, bool force = false)
    {
        var target = Volatile.Read(ref _written);
        if (!force && Volatile.Read(ref _caughtUp) >= target)
        {
            return;
        }
        try
        {
            await projection.ActorRef.Ask<ProjectionActor.CaughtUp>(ProjectionActor.CatchUp.Instance, Timeout, cancellationToken);
            long seen;
            while ((seen = Volatile.Read(ref _caughtUp)) < target && Interlocked.CompareExchange(ref _caughtUp, target, seen) != seen)
            {
            }
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The projection is moving to another node or its storage is failing: answer with what the read side has.
            logger.LogWarning(error, "The read-side projection did not catch up within {Timeout}; reading what it has", Timeout);
        }
    }
}
