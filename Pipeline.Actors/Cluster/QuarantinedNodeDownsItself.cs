using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Remote;

namespace Pipeline.Actors.Cluster;

/// <summary>
/// Downs this node when a member it still counts as up says it has quarantined it: the others removed this node while
/// it could not answer (frozen, paused, cut off), and it is not part of their cluster any more. Without this it would go
/// on as the owner of its shards until its own resolver decided (stable-after, then a lease it cannot get: half a
/// minute), answering commands for entities that live elsewhere now. Akka.NET's downing providers do not act on the
/// notice (akka.net#8482); Akka on the JVM downs itself here (DownSelfQuarantinedByRemote), and so does this, then runs the
/// coordinated shutdown a resolver's downing would (the down alone waits for leader actions that cannot converge here,
/// and the node's own resolver would take stable-after plus a lease acquire, half a minute, to decide the same).
/// </summary>
/// <remarks>
/// A notice from a member this node already sees leaving, exiting, down or removed is ignored: a node on its way out
/// may quarantine others, and downing on that would take healthy nodes with it (akka#31095).
/// </remarks>
public sealed class QuarantinedNodeDownsItself : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public QuarantinedNodeDownsItself()
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        Receive<ThisActorSystemQuarantinedEvent>(notice =>
        {
            var by = cluster.State.Members.FirstOrDefault(m => m.Address == notice.RemoteAddress);
            if (by is null || by.Status is not (MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining))
            {
                _log.Info("Quarantined by {0}, which is not an up member here ({1}): ignored", notice.RemoteAddress, by?.Status.ToString() ?? "unknown");
                return;
            }
            _log.Warning("Quarantined by {0}: the cluster removed this node; downing it and shutting down", notice.RemoteAddress);
            // Down first, so the shutdown's cluster phases see this member down and do not try to leave a cluster that
            // no longer has it; the shutdown itself does not wait for leader actions, which cannot converge from here.
            cluster.Down(cluster.SelfAddress);
            CoordinatedShutdown.Get(Context.System).Run(CoordinatedShutdown.ClusterDowningReason.Instance);
        });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new QuarantinedNodeDownsItself());

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(ThisActorSystemQuarantinedEvent));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
}
