namespace Pipeline.Tests.Storage;

public sealed class PostgresJournalTests(PostgresTestDatabase database)
    : JournalContract(database), IClassFixture<PostgresTestDatabase>;
