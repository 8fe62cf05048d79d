using Npgsql;
using Pipeline.Actors.Cluster;
using Pipeline.Actors.Jobs;
using Pipeline.Actors.Outbox;
using Pipeline.Actors.Payments;
using Pipeline.Actors.Photos;
using Pipeline.Actors.Projections;
using Pipeline.Actors.ReadSide;
using Pipeline.Actors.Webhooks;
using Pipeline.Actors.Work;

namespace Pipeline.Actors.Persistence.Postgres;

/// <summary>Production storage, shared by every node of a cluster.</summary>
public sealed class PostgresStorage : IStorage
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlDataSource _claimsDataSource;
    private readonly PostgresPaymentClaims _claims;
    private readonly PostgresOrderIndex _orders;
    private readonly PostgresWorkQueue _work;

    public PostgresStorage(string connectionString)
    {
        // Nothing here changes session state (the one lock taken is transaction-scoped), so a pooled connection needs no
        // reset when it is returned: otherwise every checkout adds three statements (pg_advisory_unlock_all, RESET ALL,
        // SET SESSION AUTHORIZATION DEFAULT), the most frequent statements of a load run in pg_stat_statements.
        var settings = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true };
        _dataSource = NpgsqlDataSource.Create(settings.ConnectionString);
        Outbox = new PostgresOutboxReader(_dataSource);
        Migrator = new PostgresMigrator(_dataSource);
        Batches = new PostgresBatchReadModel(_dataSource);
        Events = new PostgresEventReadModel(_dataSource);
        Members = new PostgresMemberReadModel(_dataSource);
        _orders = new PostgresOrderIndex(_dataSource);
        Registrations = new PostgresRegistrationReadModel(_dataSource, _orders);
        _work = new PostgresWorkQueue(_dataSource);
        Webhooks = new PostgresWebhookStore(_dataSource, _work);
        Nodes = new PostgresNodeRegistry(_dataSource);
        Projections = new PostgresProjectionStore(_dataSource);
        // A claim's commit does not wait for its WAL flush: the registration's journal write that follows it commits
        // synchronously, and PostgreSQL flushes WAL in order, so a payment is never durable without its claim. A claim
        // lost in a crash before that write is only a claim to make again. One fsync wait less per confirmation.
        _claimsDataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(settings.ConnectionString)
        {
            Options = $"{settings.Options} -c synchronous_commit=off".Trim(),
            MaxPoolSize = Math.Max(4, settings.MaxPoolSize / 4),
        }.ConnectionString);
        _claims = new PostgresPaymentClaims(_claimsDataSource);
        Leases = new PostgresLeaseStore(_dataSource);
        ClusterSeeds = new PostgresClusterSeeds(_dataSource);
        Images = new PostgresImageStore(_dataSource);
        MemberPhotos = new PostgresMemberPhotos(_dataSource);
        Jobs = new PostgresJobStore(_dataSource);
        Attendees = new PostgresAttendeeReadModel(_dataSource);
    }

    public string Provider => StorageFactory.PostgresProvider;
    public IOutboxReader Outbox { get; }
    public ISchemaMigrator Migrator { get; }
    public IBatchReadModel Batches { get; }
    public IEventReadModel Events { get; }
    public IMemberReadModel Members { get; }
    public IRegistrationReadModel Registrations { get; }
    public IOrderIndex Orders => _orders;
    public IWorkQueue Work => _work;
    public IWebhookStore Webhooks { get; }
    public INodeRegistry Nodes { get; }
    public IProjectionStore Projections { get; }
    public IPaymentClaims PaymentClaims => _claims;

    public ILeaseStore Leases { get; }
    public IClusterSeeds ClusterSeeds { get; }
    public IImageStore Images { get; }
    public IMemberPhotos MemberPhotos { get; }
    public IJobStore Jobs { get; }
    public IAttendeeReadModel Attendees { get; }

    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT 1");
        return Equals(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), 1);
    }

    public async ValueTask DisposeAsync()
    {
        await _claims.DisposeAsync().ConfigureAwait(false);
        await _orders.DisposeAsync().ConfigureAwait(false);
        await _work.DisposeAsync().ConfigureAwait(false);
        await _claimsDataSource.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }
}
