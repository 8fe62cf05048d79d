using Akka.Actor;
using Pipeline.Actors.Engine;

namespace Pipeline.Actors.Work;

/// <summary>
/// One work partition's owner, run by cluster sharding's <c>ShardedDaemonProcess</c>: exactly one lives in the cluster per
/// partition, and while it lives on a node, that node's pipelines claim the partition's items. When its node leaves,
/// sharding stops it there (<see cref="Stop"/>) and starts it on another node; when its node dies, on a survivor once the
/// split brain resolver has downed the dead one and the daemon's keep-alive (<c>keep-alive-interval</c>) starts it again.
/// </summary>
public sealed class WorkPartitionOwner : ReceiveActor
{
    private readonly OwnedWorkPartitions _owned;
    private readonly int _partition;

    public WorkPartitionOwner(OwnedWorkPartitions owned, int partition)
    {
        _owned = owned;
        _partition = partition;
        Receive<Stop>(_ => Context.Stop(Self));
        ReceiveAny(_ => { }); // the daemon's round-robin messages: nothing to do, ownership is the whole job
    }

    public static Props Props(OwnedWorkPartitions owned, int partition) =>
        FactoryProducer<WorkPartitionOwner>.Props(() => new WorkPartitionOwner(owned, partition));

    protected override void PreStart() => _owned.Add(_partition);

    protected override void PostStop() => _owned.Remove(_partition);

    /// <summary>The hand-off stop message: the partition leaves this node.</summary>
    public sealed class Stop
    {
        public static readonly Stop Instance = new();

        private Stop()
        {
        }
    }
}
