using Npgsql;
using Pipeline.Actors.Photos;
using static Pipeline.Actors.Persistence.Postgres.PostgresQuery;

namespace Pipeline.Actors.Persistence.Postgres;

internal sealed class PostgresMemberPhotos(NpgsqlDataSource dataSource) : IMemberPhotos
{
    private const string SetSql = """
        INSERT INTO member_photos (member_id, image_name) VALUES ($1, $2)
        ON CONFLICT (member_id) DO UPDATE SET image_name = excluded.image_name, updated_at = now()
        """;

    /// <summary>Both statements in one batch: one round trip, one implicit transaction.</summary>
    public async Task SetAsync(string memberId, StoredImage photo, CancellationToken cancellationToken = default)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(PostgresBatchCommands.Command(PostgresImageStore.InsertSql, PostgresImageStore.Parameters(photo)));
        batch.BatchCommands.Add(PostgresBatchCommands.Command(SetSql, Value(memberId), Value(photo.Name)));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<string?> NameAsync(string memberId, CancellationToken cancellationToken = default) =>
        SingleOrDefaultAsync(dataSource, "SELECT image_name FROM member_photos WHERE member_id = $1", [Value(memberId)],
            r => r.GetString(0), cancellationToken);

    public Task<byte[]?> PhotoAsync(string memberId, CancellationToken cancellationToken = default) =>
        SingleOrDefaultAsync(dataSource, """
            SELECT i.data FROM member_photos p JOIN images i ON i.name = p.image_name WHERE p.member_id = $1
            """, [Value(memberId)], r => r.GetFieldValue<byte[]>(0), cancellationToken);
}
