using Microsoft.Data.Sqlite;
using Pipeline.Actors.Entities.Members;

namespace Pipeline.Actors.Persistence.Sqlite.Views;

internal sealed class MemberRows : SqliteRows<MemberView>
{
    public override string Sql => """
        INSERT INTO members (id, name, phone, email, created_at)
        VALUES ($id, $name, $phone, $email, $created_at)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, phone = excluded.phone, email = excluded.email
        """;

    protected override void Bind(SqliteParameterCollection parameters, MemberView view)
    {
        Set(parameters, "$id", view.Id);
        Set(parameters, "$name", view.Name);
        Set(parameters, "$phone", view.Phone);
        Set(parameters, "$email", view.Email);
        Set(parameters, "$created_at", SqliteTime.Format(view.CreatedAt));
    }
}
