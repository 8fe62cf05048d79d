namespace Pipeline.Tests.Storage;

public sealed class SqliteJournalTests(SqliteTestDatabase database)
    : JournalContract(database), IClassFixture<SqliteTestDatabase>;
