namespace Pipeline.Host.Engine;

/// <summary><c>Pipeline:Entities</c>: how HTTP reaches entities and how long they stay in memory.</summary>
public sealed class EngineOptions
{
    public const string Section = "Pipeline:Entities";

    /// <summary>
    /// Shards per entity type. Cluster sharding places entities by <c>hash % shards</c>, so this can never change while
    /// any node of a cluster runs: it is fixed here, not configurable. 100 is ten times the largest cluster we plan.
    /// </summary>
    public const int ShardCount = 100;

    /// <summary>
    /// Partitions of the background work (tickets, webhook fan-out and deliveries; an item's partition is its id modulo
    /// this), each owned by one node at a time through a sharded daemon process. Fixed for the same reason as
    /// <see cref="ShardCount"/>; 30 divides evenly among 1, 2, 3, 5, 6 or 10 nodes.
    /// </summary>
    public const int WorkPartitionCount = 30;

    /// <summary>
    /// How often every node asks sharding to start any work partition that is not running (Akka's default is 10 s):
    /// after a dead node is downed, its partitions start on the survivors within this.
    /// </summary>
    public static readonly TimeSpan WorkPartitionKeepAlive = TimeSpan.FromSeconds(2);

    /// <summary>A command not decided within this time is dropped by its entity and answered 503 <c>unavailable</c>. Default 5 s.</summary>
    public TimeSpan AskTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long past the deadline HTTP still waits for a write the entity may have started just before it: the
    /// journal's own call timeout (10 s), after which the write has failed. Default 10 s.
    /// </summary>
    public TimeSpan WriteGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>An entity with no command for this long leaves memory (it recovers on its next command). Default 2 min.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long an event or member record stays in memory after its command (at most <see cref="IdleTimeout"/>). A record
    /// is written once and never commanded again (reads go to the read side; a repeated create recovers it from its one
    /// event), yet an actor costs some 5 KB of heap: held for the full idle timeout, the records of a burst of sign-ups
    /// were over a third of the live actors (23,000 of 61,000 in a heap dump taken during the confirm benchmark).
    /// </summary>
    public TimeSpan RecordIdleTimeout => IdleTimeout < MaxRecordIdle ? IdleTimeout : MaxRecordIdle;

    private static readonly TimeSpan MaxRecordIdle = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Live entities of one type kept on a node; past it the least recently used passivate as idle ones do. Unset (the
    /// default): as many as an eighth of the memory this process may use holds at some 6 KB an entity, e.g. about
    /// 11,000 in a 512 MiB container and 500,000 on a 24 GiB machine (<see cref="LiveEntityBound"/>).
    /// </summary>
    public int? MaxLiveEntities { get; set; }

    /// <summary>Heap of one live entity, its state included (a registration's, measured in a heap dump: 5-6 KB).</summary>
    public const long BytesPerLiveEntity = 6 * 1024;

    /// <summary>
    /// The bound in force: <see cref="MaxLiveEntities"/> when set, else an eighth of <paramref name="availableBytes"/>
    /// (the GC's view of the memory the process may use: a container's limit, else the machine's) in entities.
    /// </summary>
    public int LiveEntityBound(long availableBytes) =>
        MaxLiveEntities ?? (int)Math.Clamp(availableBytes / 8 / BytesPerLiveEntity, 1_000, 1_000_000);

    /// <summary>A snapshot after every this many events of one entity. Default 1000; 0 turns snapshots off.</summary>
    public int SnapshotEvery { get; set; } = 1000;
}
