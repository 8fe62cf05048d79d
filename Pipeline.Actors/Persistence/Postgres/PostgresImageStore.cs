using Npgsql;
using Pipeline.Actors.Photos;
using static Pipeline.Actors.Persistence.Postgres.PostgresQuery;

namespace Pipeline.Actors.Persistence.Postgres;

internal sealed class PostgresImageStore(NpgsqlDataSource dataSource) : IImageStore
{
    /// <summary>A name present already holds the same bytes (it is derived from them): nothing to write.</summary>
    internal const string InsertSql = """
        INSERT INTO images (name, content_type, width, height, bytes, data) VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (name) DO NOTHING
        """;

    public async Task<bool> AddAsync(StoredImage image, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(InsertSql);
        command.Parameters.AddRange(Parameters(image));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public Task<StoredImage?> GetAsync(string name, CancellationToken cancellationToken = default) =>
        SingleOrDefaultAsync(dataSource, "SELECT name, content_type, width, height, data FROM images WHERE name = $1", [Value(name)],
            r => new StoredImage(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3), r.GetFieldValue<byte[]>(4)), cancellationToken);

    public Task<StoredImageInfo?> InfoAsync(string name, CancellationToken cancellationToken = default) =>
        SingleOrDefaultAsync(dataSource, "SELECT name, content_type, width, height, bytes FROM images WHERE name = $1", [Value(name)],
            r => new StoredImageInfo(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4)), cancellationToken);

    internal static NpgsqlParameter[] Parameters(StoredImage image) =>
        [Value(image.Name), Value(image.ContentType), Value(image.Width), Value(image.Height), Value(image.Data.Length), Value(image.Data)];
}
