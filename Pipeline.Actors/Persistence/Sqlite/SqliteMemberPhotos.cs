using Pipeline.Actors.Photos;

namespace Pipeline.Actors.Persistence.Sqlite;

internal sealed class SqliteMemberPhotos(SqliteConnectionFactory connections, TimeProvider time) : IMemberPhotos
{
    private const string SetSql = """
        INSERT INTO member_photos (member_id, image_name, updated_at) VALUES ($member, $name, $now)
        ON CONFLICT (member_id) DO UPDATE SET image_name = excluded.image_name, updated_at = excluded.updated_at
        """;

    public async Task SetAsync(string memberId, StoredImage photo, CancellationToken cancellationToken = default)
    {
        await connections.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = connection.BeginTransaction(deferred: false);
            var now = time.GetUtcNow();
            await using (var image = SqliteQuery.Command(connection, transaction, SqliteImageStore.InsertSql, SqliteImageStore.Parameters(photo, now)))
            {
                await image.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await using (var link = SqliteQuery.Command(connection, transaction, SetSql,
                ("$member", memberId), ("$name", photo.Name), ("$now", SqliteTime.Format(now))))
            {
                await link.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            connections.WriteGate.Release();
        }
    }

    public Task<string?> NameAsync(string memberId, CancellationToken cancellationToken = default) =>
        SqliteQuery.SingleOrDefaultAsync(connections, "SELECT image_name FROM member_photos WHERE member_id = $member",
            [("$member", memberId)], r => r.GetString(0), cancellationToken);

    public Task<byte[]?> PhotoAsync(string memberId, CancellationToken cancellationToken = default) =>
        SqliteQuery.SingleOrDefaultAsync(connections, """
            SELECT i.data FROM member_photos p JOIN images i ON i.name = p.image_name WHERE p.member_id = $member
            """, [("$member", memberId)], r => (byte[])r.GetValue(0), cancellationToken);
}
