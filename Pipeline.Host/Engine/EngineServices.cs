using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Config;
using Akka.Persistence.Sql.Query;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using LinqToDB;
using Microsoft.Extensions.Options;
using Pipeline.Actors.Cluster;
using Pipeline.Actors.Engine;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.Entities.Events;
using Pipeline.Actors.Entities.Members;
using Pipeline.Actors.Entities.Records;
using Pipeline.Actors.Entities.Registrations;
using Pipeline.Actors.Entities.WebhookEndpoints;
using Pipeline.Actors.Persistence;
using Pipeline.Actors.Projections;
using Pipeline.Actors.Runtime;
using Pipeline.Actors.Serialization;
using Pipeline.Actors.Work;
using Pipeline.Host.Configuration;
using ClusterOptions = Pipeline.Host.Configuration.ClusterOptions;
using Pipeline.Host.ReadSide;

namespace Pipeline.Host.Engine;

/// <summary>
/// One Akka.NET actor system per node: remoting, clustering with the split brain resolver, sharded entities journaled
/// through Akka.Persistence.Sql to the configured storage, and Akka's log through Microsoft.Extensions.Logging.
/// </summary>
internal static class EngineServices
{
    public const string SystemName = "pipeline";

    /// <summary>The journal projection's name: its checkpoint's key.</summary>
    public const string JournalProjectionName = "journal";

    // Behaviors are pure: one instance per type serves its entities and the projection alike.
    private static readonly BatchBehavior Batches = new();
    private static readonly RegistrationBehavior Registrations = new();
    private static readonly RecordBehavior<EventView> EventRecords = new("event");
    private static readonly RecordBehavior<MemberView> MemberRecords = new("member");
    private static readonly WebhookEndpointBehavior WebhookEndpoints = new();

    /// <summary>
    /// The gateway itself (for the background pipelines) and, as <see cref="IEntityClient{TCommand, TReply}"/>, the same gateway
    /// marking this node's read side behind after each write it answers (for the HTTP side).
    /// </summary>
    private static void AddEntityClient<TRegion, TCommand, TReply>(IServiceCollection services)
    {
        services.AddSingleton<EntityGateway<TRegion, TCommand, TReply>>();
        services.AddSingleton<IEntityClient<TCommand, TReply>>(sp => new ReadYourWritesClient<TCommand, TReply>(
            sp.GetRequiredService<EntityGateway<TRegion, TCommand, TReply>>(), sp.GetRequiredService<ReadSideCatchUp>()));
    }

    public static IServiceCollection AddPipelineEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EngineOptions>().BindConfiguration(EngineOptions.Section);
        AddEntityClient<BatchRegion, BatchCommand, BatchReply>(services);
        AddEntityClient<RegistrationRegion, RegistrationCommand, RegistrationReply>(services);
        AddEntityClient<EventRegion, EventView, RecordReply<EventView>>(services);
        AddEntityClient<MemberRegion, MemberView, RecordReply<MemberView>>(services);
        AddEntityClient<WebhookEndpointRegion, WebhookEndpointCommand, WebhookEndpointReply>(services);
        services.AddSingleton<ReadSideCatchUp>();
        services.AddSingleton(new OwnedWorkPartitions(EngineOptions.WorkPartitionCount));
        services.AddSingleton<EngineCounters>();

        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var engine = configuration.GetSection(EngineOptions.Section).Get<EngineOptions>() ?? new EngineOptions();
        // Checked here, not with ValidateOnStart: the actor system is configured from these values before options are validated.
        if (engine.MaxLiveEntities is < 1)
        {
            throw new OptionsValidationException(EngineOptions.Section, typeof(EngineOptions),
                [$"{EngineOptions.Section}:MaxLiveEntities must be at least 1 (or unset: sized by memory)."]);
        }
        var cluster = configuration.GetSection(ClusterOptions.Section).Get<ClusterOptions>() ?? new ClusterOptions();
        var sqlite = storage.Provider.Equals(StorageFactory.SqliteProvider, StringComparison.OrdinalIgnoreCase);

        services.AddAkka(SystemName, (akka, sp) =>
        {
            var time = sp.GetRequiredService<TimeProvider>();
            var counters = sp.GetRequiredService<EngineCounters>();
            var settings = new EntitySettings(SnapshotEvery: engine.SnapshotEvery);
            var maxLive = engine.LiveEntityBound(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Pipeline.Engine")
                .LogInformation("Live entities bounded at {MaxLiveEntities} per entity type on this node", maxLive);
            akka.ConfigureLoggers(loggers =>
                {
                    loggers.ClearLoggers();
                    loggers.AddLoggerFactory();
                })
                .WithRemoting(cluster.Hostname, cluster.Port)
                .WithClustering(new Akka.Cluster.Hosting.ClusterOptions
                {
                    // lease-majority is configured in EngineHocon: the hosting option has no place for a custom lease class.
                    SplitBrainResolver = cluster.SplitBrainStrategy == ClusterOptions.KeepOldest
                        ? new KeepOldestOption { DownIfAlone = true }
                        : new KeepMajorityOption(),
                })
                .WithSqlPersistence(
                    // On SQLite the file's folder exists by now: the single-node lock, started first, made it.
                    JournalDataOptions(sqlite, storage.ConnectionString),
                    tagStorageMode: TagMode.TagTable,
                    // The same tables on both storages; the journal table is named below (event_journal, not the default).
                    databaseMapping: DatabaseMapping.Default)
                // After the persistence options, which emit the whole table mapping: these keys must win.
                .AddHocon(EngineHocon(sqlite, cluster.SplitBrainStrategy == ClusterOptions.LeaseMajority), HoconAddMode.Prepend)
                .WithCustomSerializer("pipeline-journal", JournalSerializer.BoundTypes, system => new JournalSerializer(system))
                .WithEntities<BatchRegion, BatchState, BatchCommand, BatchEvent, BatchReply>(
                    Batches, settings, counters.Batches, time, engine.IdleTimeout, maxLive)
                .WithEntities<RegistrationRegion, RegistrationState, RegistrationCommand, RegistrationEvent, RegistrationReply>(
                    Registrations, settings, counters.Registrations, time, engine.IdleTimeout, maxLive)
                .WithEntities<EventRegion, EventView?, EventView, RecordCreated<EventView>, RecordReply<EventView>>(
                    EventRecords, settings, counters.Events, time, engine.RecordIdleTimeout, maxLive)
                .WithEntities<MemberRegion, MemberView?, MemberView, RecordCreated<MemberView>, RecordReply<MemberView>>(
                    MemberRecords, settings, counters.Members, time, engine.RecordIdleTimeout, maxLive)
                .WithEntities<WebhookEndpointRegion, WebhookEndpointState, WebhookEndpointCommand, WebhookEndpointEvent, WebhookEndpointReply>(
                    WebhookEndpoints, settings, counters.WebhookEndpoints, time, engine.IdleTimeout, maxLive)
                .WithSingleton<JournalProjectionProxy>("journal-projection",
                    (system, _, _) => ProjectionProps(system, sp),
                    new ClusterSingletonOptions(), createProxyToo: true)
                .WithWorkPartitions(sp.GetRequiredService<OwnedWorkPartitions>())
                .WithActors((system, _) => system.ActorOf(QuarantinedNodeDownsItself.Props(), "quarantined-node-downs-itself"));
        });
        return services;
    }

    /// <summary>One entity type as a shard region of <see cref="EntityActor{TState,TCommand,TEvent,TReply}"/>s around its behavior.</summary>
    private static AkkaConfigurationBuilder WithEntities<TRegion, TState, TCommand, TEvent, TReply>(
        this AkkaConfigurationBuilder akka, IEntityBehavior<TState, TCommand, TEvent, TReply> behavior, EntitySettings settings,
        EntityCounters counters, TimeProvider time, TimeSpan idleTimeout, int maxLive)
        where TEvent : class
    {
        var live = new LiveEntities(maxLive); // one bound per type on this node, shared by its entities
        return akka.WithShardRegion<TRegion>(behavior.EntityType,
            key => FactoryProducer<EntityActor<TState, TCommand, TEvent, TReply>>.Props(
                () => new EntityActor<TState, TCommand, TEvent, TReply>(behavior, key, settings, counters, time, live)),
            Extractor(),
            Shards(idleTimeout));
    }

    /// <summary>
    /// The background work's partitions as a sharded daemon process: one <see cref="WorkPartitionOwner"/> per partition in
    /// the cluster, spread over the nodes by sharding, moved off a node that leaves (stopped with its own message, never
    /// PoisonPill) and restarted on a survivor after a node is downed.
    /// </summary>
    private static AkkaConfigurationBuilder WithWorkPartitions(this AkkaConfigurationBuilder akka, OwnedWorkPartitions owned) =>
        akka.WithShardedDaemonProcess<WorkPartitionOwner>(ShardRegions.WorkPartitionsProcess, owned.Count,
            (_, _, _) => partition => WorkPartitionOwner.Props(owned, partition),
            new ClusterDaemonOptions
            {
                KeepAliveInterval = EngineOptions.WorkPartitionKeepAlive,
                HandoffStopMessage = WorkPartitionOwner.Stop.Instance,
            });

    /// <summary>Every entity type: a fixed number of shards, placed by a hash of the entity key.</summary>
    private static IMessageExtractor Extractor() =>
        HashCodeMessageExtractor.Create(EngineOptions.ShardCount, m => m is IEntityMessage e ? e.EntityKey : null!, m => m);

    /// <summary>
    /// Shard state in distributed data (the persistence mode is being retired), no remembered entities (they come back
    /// on their next command), passivation when idle with <see cref="EntityStop"/> (never PoisonPill: it would overtake
    /// queued commands).
    /// </summary>
    private static ShardOptions Shards(TimeSpan idleTimeout) => new()
    {
        StateStoreMode = StateStoreMode.DData,
        RememberEntities = false,
        PassivateIdleEntityAfter = idleTimeout,
        HandOffStopMessage = EntityStop.Instance,
    };

    /// <summary>The one journal projection of the cluster: read side and outbox of every entity type on the engine.</summary>
    private static Props ProjectionProps(ActorSystem system, IServiceProvider services)
    {
        var settings = new JournalProjectionSettings();
        var serialization = system.Serialization;
        var projection = new JournalProjection(
            JournalProjectionName,
            services.GetRequiredService<IStorage>().Projections,
            [
                new EntityProjector<BatchState, BatchCommand, BatchEvent, BatchReply>(Batches),
                new EntityProjector<RegistrationState, RegistrationCommand, RegistrationEvent, RegistrationReply>(Registrations),
                new EntityProjector<EventView?, EventView, RecordCreated<EventView>, RecordReply<EventView>>(EventRecords),
                new EntityProjector<MemberView?, MemberView, RecordCreated<MemberView>, RecordReply<MemberView>>(MemberRecords),
                new EntityProjector<WebhookEndpointState, WebhookEndpointCommand, WebhookEndpointEvent, WebhookEndpointReply>(WebhookEndpoints),
            ],
            row => serialization.Deserialize(row.Payload, row.SerializerId, row.Manifest),
            settings,
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Pipeline.Projections.Journal"));
        return FactoryProducer<ProjectionActor>.Props(() => new ProjectionActor(projection, settings.Poll, () => JournalReadyAsync(system)));
    }

    /// <summary>
    /// Completes once the journal has created its tables: making the SQL read journal waits for that (5 s per try; a
    /// cold start on a loaded machine can take longer, so it is tried for a minute).
    /// </summary>
    public static Task JournalReadyAsync(ActorSystem system) => Task.Run(async () =>
    {
        for (var tried = 1; ; tried++)
        {
            try
            {
                PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
                return;
            }
            catch (Exception) when (tried < 12)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
        }
    });

    /// <summary>
    /// The resolver's lease-majority strategy on <see cref="StorageLease"/>. The minority side waits 2 s before it tries
    /// for the lease (Akka's default), so in a real partition the majority gets it; after a crash the survivors are the
    /// only ones asking. A side that cannot take the lease downs itself, so an acquire keeps trying for acquire-wait
    /// (22 s: past a dead holder's heartbeat-timeout), and the winner keeps the lease for release-after (60 s, Akka's
    /// default is 40 s) after the nodes it downed are gone: well past the other side's last try.
    /// </summary>
    private const string LeaseMajorityHocon = """
        akka.cluster.split-brain-resolver {
          active-strategy = lease-majority
          lease-majority {
            lease-implementation = "pipeline.storage-lease"
            release-after = 60s
          }
        }
        pipeline.storage-lease {
          lease-class = "Pipeline.Actors.Cluster.StorageLease, Pipeline.Actors"
          # Renewed every 2 s while held, for 20 s: a holder that dies holding it blocks the next decision that long.
          heartbeat-timeout = 20s
          heartbeat-interval = 2s
          acquire-wait = 22s
          lease-operation-timeout = 5s
        }
        """;

    /// <summary>The journal's connections: PostgreSQL without the pool reset, SQLite with a busy timeout.</summary>
    internal static DataOptions JournalDataOptions(bool sqlite, string connectionString) => sqlite
        ? new DataOptions().UseConnectionString(ProviderName.SQLiteMS, connectionString).UseInterceptor(SqliteBusyTimeout.Instance)
        : new DataOptions().UseConnectionString(ProviderName.PostgreSQL15, JournalConnectionString(connectionString));

    /// <summary>
    /// The journal's PostgreSQL connections skip Npgsql's reset on return to the pool (as the storage's do): the journal
    /// leaves no session state behind, and the reset (RESET ALL, SET SESSION AUTHORIZATION, unlocking advisory locks)
    /// was the most frequent statement of a confirm run.
    /// </summary>
    private static string JournalConnectionString(string connectionString) =>
        new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString;

    /// <summary>
    /// The work partitions' sharding (<see cref="WithWorkPartitions"/>): a node that joins takes its share within a round
    /// or two of 2 s, where Akka's defaults move 3 shards every 10 s (a third node would wait a minute for its share).
    /// Moving a partition is cheap: an actor stops on one node and starts on another. Entities keep Akka's pace.
    /// </summary>
    internal const string WorkPartitionsHocon = """
        akka.cluster.sharded-daemon-process.sharding {
          rebalance-interval = 2s
          least-shard-allocation-strategy.rebalance-absolute-limit = 30
          least-shard-allocation-strategy.rebalance-relative-limit = 1.0
          handoff-timeout = 10s
        }
        """;

    /// <summary>Settings the hosting options do not cover; each says why it differs from Akka's default.</summary>
    private static string EngineHocon(bool sqlite, bool leaseMajority) => $$"""
        # The host stops the actor system after the pipelines have drained (they still ask entities while draining);
        # Akka's own SIGTERM hook would shut it down at once, beside them.
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        # A node told to leave stops its host in this phase and waits for the drain (ClusterLeaveStopsHost): as long as
        # the host's own shutdown may take (30 s), and a little more.
        akka.coordinated-shutdown.phases.before-service-unbind.timeout = 35s
        akka.cluster {
          # The resolver decides after the membership has been stable this long: short, so a dead node's shards move
          # within seconds; long enough that a GC pause or a busy box does not down a live node.
          split-brain-resolver.stable-after = 7s
          # Off: on, a flapping network could down every node at once, and nothing here restarts processes.
          split-brain-resolver.down-all-when-unstable = off
          seed-node-timeout = 2s
          retry-unsuccessful-join-after = 2s
          # Shard hand-off on shutdown and after a downing; entities stop with EntityStop, never PoisonPill.
          sharding.handoff-timeout = 10s
        }
        {{WorkPartitionsHocon}}
        # Not Akka's default "journal": that was the old entity runtime's table when these were created (migration 0009
        # drops it), and renaming an existing journal's tables is a migration of its own.
        akka.persistence.journal.sql.default.journal.table-name = event_journal
        akka.persistence.query.journal.sql.default.journal.table-name = event_journal
        akka.persistence.journal.sql {
          # Akka.Persistence.Sql's journal with an entity's recovery in one read (see the class).
          class = "{{typeof(PipelineSqlJournal).FullName}}, {{typeof(PipelineSqlJournal).Assembly.GetName().Name}}"
          # SQLite has one writer even in WAL: more write streams would only wait on each other's locks.
          parallelism = {{(sqlite ? 1 : 4)}}
          batch-size = 100
        }
        akka.persistence.max-concurrent-recoveries = 200
        {{(leaseMajority ? LeaseMajorityHocon : "")}}
        """;
}
