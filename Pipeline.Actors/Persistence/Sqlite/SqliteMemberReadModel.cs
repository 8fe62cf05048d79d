using Pipeline.Actors.Entities.Members;
using Pipeline.Actors.ReadSide;

namespace Pipeline.Actors.Persistence.Sqlite;

internal sealed class SqliteMemberReadModel(SqliteConnectionFactory connections) : IMemberReadModel
{
    public Task<MemberView?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        SqliteQuery.SingleOrDefaultAsync(connections, "SELECT id, name, phone, email, created_at FROM members WHERE id = $id", [("$id", id)],
            r => new MemberView(r.GetString(0), r.GetString(1), r.GetString(2), r.GetNullableString(3), r.GetTime(4)), cancellationToken);
}
