namespace Pipeline.Tests.Storage;

public sealed class SqliteWorkQueueTests(SqliteTestDatabase database)
    : WorkQueueContract(database), IClassFixture<SqliteTestDatabase>;
