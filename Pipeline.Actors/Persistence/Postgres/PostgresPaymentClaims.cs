using Npgsql;
using Pipeline.Actors.Payments;

namespace Pipeline.Actors.Persistence.Postgres;

/// <summary>
/// Claims, with every claim waiting at the same moment taken in one statement (a group commit): under load a confirmation
/// costs a share of one round trip instead of one of its own. The insert is a no-op for an id already held, and the
/// statement reads back each id's holder.
/// </summary>
/// <remarks>
/// A claim racing a concurrent one for the same id (another node's) waits for it and inserts nothing, and its statement's
/// snapshot predates the winner's commit, so it sees no holder: that claim asks again on its own, and the next statement
/// sees the winner. Ids are inserted in sorted order, so two batches never wait on each other in a cycle. Two claims of
/// one id in one batch: the first inserts, and both read its holder. The existing holder is a subquery per id, an index
/// lookup: as a join, a plan made while the table was small went on scanning it whole.
/// </remarks>
internal sealed class PostgresPaymentClaims : IPaymentClaims, IAsyncDisposable
{
    private const int MaxBatch = 256;

    private const string BatchSql = """
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS i(payment_id, holder, n)),
        claimed AS (
            INSERT INTO payment_claims (payment_id, holder)
            SELECT payment_id, holder FROM input ORDER BY payment_id, n
            ON CONFLICT (payment_id) DO NOTHING
            RETURNING payment_id, holder)
        SELECT i.n, coalesce(c.holder, (SELECT p.holder FROM payment_claims p WHERE p.payment_id = i.payment_id))
          FROM input i
          LEFT JOIN claimed c ON c.payment_id = i.payment_id
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly GroupedStatements<(string PaymentId, string Holder), string?> _claims;

    public PostgresPaymentClaims(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _claims = new(loops: 1, MaxBatch, ClaimBatchAsync);
    }

    public async Task<string> ClaimAsync(string paymentId, string holder, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            // Not cancelled once queued: the statement may already be on its way, and its answer is the truth.
            if (await _claims.RunAsync((paymentId, holder)).WaitAsync(cancellationToken).ConfigureAwait(false) is { } current)
            {
                return current;
            }
            if (attempt == 3)
            {
                throw new InvalidOperationException($"Payment {paymentId} has no holder after {attempt} claims.");
            }
        }
    }

    public ValueTask DisposeAsync() => _claims.DisposeAsync();

    /// <summary>The holder of each id, in order: null where a concurrent claim's commit was not visible yet.</summary>
    private async Task<IReadOnlyList<string?>> ClaimBatchAsync(IReadOnlyList<(string PaymentId, string Holder)> batch)
    {
        await using var command = _dataSource.CreateCommand(BatchSql);
        command.Parameters.Add(PostgresBatchCommands.Array(batch.Select(p => p.PaymentId)));
        command.Parameters.Add(PostgresBatchCommands.Array(batch.Select(p => p.Holder)));
        var holders = new string?[batch.Count];
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            holders[reader.GetInt64(0) - 1] = reader.IsDBNull(1) ? null : reader.GetString(1);
        }
        return holders;
    }
}
