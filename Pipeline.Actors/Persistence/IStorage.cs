using Pipeline.Actors.Cluster;
using Pipeline.Actors.Jobs;
using Pipeline.Actors.Outbox;
using Pipeline.Actors.Payments;
using Pipeline.Actors.Photos;
using Pipeline.Actors.Projections;
using Pipeline.Actors.ReadSide;
using Pipeline.Actors.Webhooks;
using Pipeline.Actors.Work;

namespace Pipeline.Actors.Persistence;

/// <summary>One storage engine: the outbox, the read side, the work queues, and the schema. SQLite or PostgreSQL.</summary>
public interface IStorage : IAsyncDisposable
{
    string Provider { get; }

    /// <summary>The outbox the journal projection writes, read back in position order.</summary>
    IOutboxReader Outbox { get; }

    ISchemaMigrator Migrator { get; }
    IBatchReadModel Batches { get; }
    IEventReadModel Events { get; }
    IMemberReadModel Members { get; }
    IRegistrationReadModel Registrations { get; }

    /// <summary>Orders written when their placement is answered, so that a confirmation's miss is definitive.</summary>
    IOrderIndex Orders { get; }

    /// <summary>Background work: one item per outbox message per queue of <see cref="OutboxRoutes"/>, added with the message by the journal projection.</summary>
    IWorkQueue Work { get; }

    /// <summary>Webhook endpoints, and the lane-aware claim and listings of their deliveries (work items of <see cref="OutboxRoutes.Deliveries"/>).</summary>
    IWebhookStore Webhooks { get; }

    /// <summary>Akka.Persistence.Sql's journal as the projection reads it, and the read side and outbox it writes.</summary>
    IProjectionStore Projections { get; }

    /// <summary>Payment ids and the one registration each is applied to.</summary>
    IPaymentClaims PaymentClaims { get; }

    /// <summary>Content-addressed images: member photos and their variants.</summary>
    IImageStore Images { get; }

    /// <summary>Each member's current photo (an image of <see cref="Images"/>).</summary>
    IMemberPhotos MemberPhotos { get; }

    /// <summary>True when the database answers a trivial query (readiness).</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken = default);

    /// <summary>The nodes sharing this storage: joins, heartbeats and graceful leaves (the cluster view).</summary>
    INodeRegistry Nodes { get; }

    /// <summary>The live nodes a starting node joins, taken in turns under a storage-wide lock (cluster formation).</summary>
    IClusterSeeds ClusterSeeds { get; }

    /// <summary>Jobs users start (exports), their leases and their result files.</summary>
    IJobStore Jobs { get; }

    /// <summary>An event's registrations with their members' contact details, for exports.</summary>
    IAttendeeReadModel Attendees { get; }

    /// <summary>Named leases with one holder each: the split brain resolver's (<see cref="StorageLease"/>).</summary>
    ILeaseStore Leases { get; }
}
