using Npgsql;
using Pipeline.Actors.Entities.Members;

namespace Pipeline.Actors.Persistence.Postgres.Views;

internal sealed class MemberRows : PostgresRows<MemberView>
{
    protected override NpgsqlBatchCommand Command(IReadOnlyList<MemberView> views)
    {
        var rows = LastPerKey(views, v => v.Id);
        return PostgresBatchCommands.Command("""
            INSERT INTO members (id, name, phone, email, created_at)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, phone = excluded.phone, email = excluded.email
            """,
            Array(rows.Select(r => r.Id)),
            Array(rows.Select(r => r.Name)),
            Array(rows.Select(r => r.Phone)),
            Array(rows.Select(r => r.Email)),
            Times(rows.Select(r => r.CreatedAt)));
    }
}
