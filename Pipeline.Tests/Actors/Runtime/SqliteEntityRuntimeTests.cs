using Pipeline.Tests.Storage;
using Xunit.Abstractions;

namespace Pipeline.Tests.Actors.Runtime;

public sealed class SqliteEntityRuntimeTests(SqliteTestDatabase database, ITestOutputHelper output)
    : EntityRuntimeContract(database, output), IClassFixture<SqliteTestDatabase>
{
    /// <summary>SQLite runs in-process, so this is where a million entities are cheap enough to walk through.</summary>
    protected override int PassivationKeys => 1_000_000;
}
