namespace Pipeline.Tests.Storage;

public sealed class PostgresWorkQueueTests(PostgresTestDatabase database)
    : WorkQueueContract(database), IClassFixture<PostgresTestDatabase>;
