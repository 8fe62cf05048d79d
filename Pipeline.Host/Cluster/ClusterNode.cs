using Akka.Cluster;
using Pipeline.Actors.Cluster;

namespace Pipeline.Host.Cluster;

/// <summary>One node as the node table and Akka's membership (seen from the node asked) show it together.</summary>
/// <param name="Row">What the node last recorded about itself: heartbeat, pipelines, HTTP address.</param>
/// <param name="Member">Its member of the cluster; null when it has none (removed, or never joined).</param>
/// <param name="Shards">What it hosts; null when the shard counts could not be read.</param>
internal sealed record ClusterNode(NodeRecord Row, Member? Member, bool Reachable, bool Leader, NodeShards? Shards)
{
    /// <summary>
    /// <c>joining</c> (WeaklyUp too: not yet seen up by all), <c>up</c>, <c>leaving</c>, <c>exiting</c>, <c>down</c>, or
    /// <c>removed</c> when its recorded cluster address has no member; null when it never recorded one.
    /// </summary>
    public string? MemberStatus => Member?.Status switch
    {
        null => Row.ClusterAddress is null ? null : "removed",
        Akka.Cluster.MemberStatus.Joining or Akka.Cluster.MemberStatus.WeaklyUp => "joining",
        Akka.Cluster.MemberStatus.Up => "up",
        Akka.Cluster.MemberStatus.Leaving => "leaving",
        Akka.Cluster.MemberStatus.Exiting => "exiting",
        Akka.Cluster.MemberStatus.Down => "down",
        _ => "removed",
    };

    /// <summary>Gone when it left or stopped heartbeating (the table), or when the cluster downed or removed it.</summary>
    public bool IsUp => Row.Status == NodeStatus.Up && MemberStatus is not ("down" or "removed");
}
