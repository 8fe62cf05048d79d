using Pipeline.Actors.Cluster;
using Pipeline.Actors.Jobs;
using Pipeline.Actors.Outbox;
using Pipeline.Actors.Payments;
using Pipeline.Actors.Photos;
using Pipeline.Actors.Projections;
using Pipeline.Actors.ReadSide;
using Pipeline.Actors.Webhooks;
using Pipeline.Actors.Work;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>The embedded default: one file, one node.</summary>
public sealed class SqliteStorage : IStorage
{
    private readonly SqliteConnectionFactory _connections;

    public SqliteStorage(string connectionString)
        : this(connectionString, TimeProvider.System)
    {
    }

    /// <param name="timeProvider">The clock of the work queue's due times and leases (one node: the process's clock).</param>
    public SqliteStorage(string connectionString, TimeProvider timeProvider)
    {
        _connections = new SqliteConnectionFactory(connectionString);
        Outbox = new SqliteOutboxReader(_connections);
        Migrator = new SqliteMigrator(_connections);
        Batches = new SqliteBatchReadModel(_connections);
        Events = new SqliteEventReadModel(_connections);
        Members = new SqliteMemberReadModel(_connections);
        Registrations = new SqliteRegistrationReadModel(_connections);
        Orders = new SqliteOrderIndex(_connections);
        Work = new SqliteWorkQueue(_connections, timeProvider);
        Webhooks = new SqliteWebhookStore(_connections, timeProvider);
        Nodes = new SqliteNodeRegistry(_connections, timeProvider);
        Projections = new SqliteProjectionStore(_connections, timeProvider);
        PaymentClaims = new SqlitePaymentClaims(_connections, timeProvider);
        Leases = new SqliteLeaseStore(_connections, timeProvider);
        ClusterSeeds = new SqliteClusterSeeds(_connections, timeProvider);
        Images = new SqliteImageStore(_connections, timeProvider);
        MemberPhotos = new SqliteMemberPhotos(_connections, timeProvider);
        Jobs = new SqliteJobStore(_connections, timeProvider);
        Attendees = new SqliteAttendeeReadModel(_connections);
    }

    public string Provider => StorageFactory.SqliteProvider;
    public IOutboxReader Outbox { get; }
    public ISchemaMigrator Migrator { get; }
    public IBatchReadModel Batches { get; }
    public IEventReadModel Events { get; }
    public IMemberReadModel Members { get; }
    public IRegistrationReadModel Registrations { get; }
    public IOrderIndex Orders { get; }
    public IWorkQueue Work { get; }
    public IWebhookStore Webhooks { get; }
    public INodeRegistry Nodes { get; }
    public IProjectionStore Projections { get; }
    public IPaymentClaims PaymentClaims { get; }

    public ILeaseStore Leases { get; }
    public IClusterSeeds ClusterSeeds { get; }
    public IImageStore Images { get; }
    public IMemberPhotos MemberPhotos { get; }
    public IJobStore Jobs { get; }
    public IAttendeeReadModel Attendees { get; }

    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _connections.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        return Equals(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), 1L);
    }

    public ValueTask DisposeAsync()
    {
        _connections.WriteGate.Dispose();
        return ValueTask.CompletedTask;
    }
}
