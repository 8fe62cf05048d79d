using Npgsql;
using Pipeline.Actors.Entities.Members;
using Pipeline.Actors.ReadSide;
using static Pipeline.Actors.Persistence.Postgres.PostgresQuery;

namespace Pipeline.Actors.Persistence.Postgres;

internal sealed class PostgresMemberReadModel(NpgsqlDataSource dataSource) : IMemberReadModel
{
    public Task<MemberView?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        SingleOrDefaultAsync(dataSource, "SELECT id, name, phone, email, created_at FROM members WHERE id = $1", [Value(id)],
            r => new MemberView(r.GetString(0), r.GetString(1), r.GetString(2), r.GetNullableString(3), r.GetTime(4)), cancellationToken);
}
