using Akka.Actor;
using Akka.Hosting;
using Pipeline.Actors.Projections;

namespace Pipeline.Host.ReadSide;

/// <summary>The journal projection (a cluster singleton), as the actor registry knows its proxy.</summary>
public sealed class JournalProjectionProxy;

/// <summary>
/// Before a list or count is read from the read side: asks the journal projection to apply every write committed so
/// far, so a client sees what it just wrote (on any node). If the projection cannot answer in time (it is moving to
/// another node) the read goes on with what the read side has.
/// </summary>
public sealed class ReadSideCatchUp(IRequiredActor<JournalProjectionProxy> projection, ILogger<ReadSideCatchUp> logger)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await projection.ActorRef.Ask<ProjectionActor.CaughtUp>(ProjectionActor.CatchUp.Instance, Timeout, cancellationToken);
        }
        catch (AskTimeoutException)
        {
            logger.LogWarning("The read-side projection did not catch up within {Timeout}; reading what it has", Timeout);
        }
    }
}
