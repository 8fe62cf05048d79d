using Pipeline.Actors.Journal;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Actors.Persistence;

/// <summary>One storage engine: the journal with its outbox, the read side, and the schema. SQLite or PostgreSQL.</summary>
public interface IStorage : IAsyncDisposable
{
    string Provider { get; }
    IJournal Journal { get; }
    ISchemaMigrator Migrator { get; }
    IBatchReadModel Batches { get; }
    IEventReadModel Events { get; }
    IMemberReadModel Members { get; }
    IRegistrationReadModel Registrations { get; }

    /// <summary>True when the database answers a trivial query (readiness).</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken = default);
}
