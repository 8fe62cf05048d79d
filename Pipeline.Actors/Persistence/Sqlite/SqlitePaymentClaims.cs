using Pipeline.Actors.Payments;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>Claim and read back in one IMMEDIATE transaction under the write gate.</summary>
internal sealed class SqlitePaymentClaims(SqliteConnectionFactory connections, TimeProvider time) : IPaymentClaims
{
    public async Task<string> ClaimAsync(string paymentId, string holder, CancellationToken cancellationToken = default)
    {
        await connections.WriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await connections.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = connection.BeginTransaction(deferred: false);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT OR IGNORE INTO payment_claims (payment_id, holder, claimed_at) VALUES ($id, $holder, $now);
                SELECT holder FROM payment_claims WHERE payment_id = $id;
                """;
            command.Parameters.AddWithValue("$id", paymentId);
            command.Parameters.AddWithValue("$holder", holder);
            command.Parameters.AddWithValue("$now", SqliteTime.Format(time.GetUtcNow()));
            var current = (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Payment {paymentId} has no holder after its claim."));
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return current;
        }
        finally
        {
            connections.WriteGate.Release();
        }
    }
}
