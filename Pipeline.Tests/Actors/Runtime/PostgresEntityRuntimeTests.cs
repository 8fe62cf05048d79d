using Pipeline.Tests.Storage;
using Xunit.Abstractions;

namespace Pipeline.Tests.Actors.Runtime;

public sealed class PostgresEntityRuntimeTests(PostgresTestDatabase database, ITestOutputHelper output)
    : EntityRuntimeContract(database, output), IClassFixture<PostgresTestDatabase>
{
    protected override int PassivationKeys => 100_000;
}
