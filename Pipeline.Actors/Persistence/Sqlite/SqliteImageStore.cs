using Pipeline.Actors.Photos;

namespace Pipeline.Actors.Persistence.Sqlite;

internal sealed class SqliteImageStore(SqliteConnectionFactory connections, TimeProvider time) : IImageStore
{
    /// <summary>A name present already holds the same bytes (it is derived from them): nothing to write.</summary>
    internal const string InsertSql = """
        INSERT INTO images (name, content_type, width, height, bytes, data, created_at)
        VALUES ($name, $type, $width, $height, $bytes, $data, $now)
        ON CONFLICT (name) DO NOTHING
        """;

    public async Task<bool> AddAsync(StoredImage image, CancellationToken cancellationToken = default) =>
        await SqliteQuery.WriteAsync(connections, InsertSql, Parameters(image, time.GetUtcNow()), cancellationToken).ConfigureAwait(false) > 0;

    public Task<StoredImage?> GetAsync(string name, CancellationToken cancellationToken = default) =>
        SqliteQuery.SingleOrDefaultAsync(connections, "SELECT name, content_type, width, height, data FROM images WHERE name = $name",
            [("$name", name)], r => new StoredImage(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3), (byte[])r.GetValue(4)),
            cancellationToken);

    public Task<StoredImageInfo?> InfoAsync(string name, CancellationToken cancellationToken = default) =>
        SqliteQuery.SingleOrDefaultAsync(connections, "SELECT name, content_type, width, height, bytes FROM images WHERE name = $name",
            [("$name", name)], r => new StoredImageInfo(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4)),
            cancellationToken);

    internal static (string Name, object? Value)[] Parameters(StoredImage image, DateTimeOffset now) =>
    [
        ("$name", image.Name), ("$type", image.ContentType), ("$width", image.Width), ("$height", image.Height),
        ("$bytes", image.Data.Length), ("$data", image.Data), ("$now", SqliteTime.Format(now)),
    ];
}
