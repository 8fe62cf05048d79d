using Npgsql;
using Pipeline.Actors.Payments;

namespace Pipeline.Actors.Persistence.Postgres;

/// <summary>
/// Claim and read back in one round trip: the insert is a no-op when the id is held. A claim racing a concurrent one for
/// the same id waits for it, then inserts nothing, and its statement's snapshot predates the winner's commit, so it
/// sees no holder: it asks again, and the next statement sees the winner.
/// </summary>
internal sealed class PostgresPaymentClaims(NpgsqlDataSource dataSource) : IPaymentClaims
{
    public async Task<string> ClaimAsync(string paymentId, string holder, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await TryClaimAsync(paymentId, holder, cancellationToken).ConfigureAwait(false) is { } current)
            {
                return current;
            }
            if (attempt == 3)
            {
                throw new InvalidOperationException($"Payment {paymentId} has no holder after {attempt} claims.");
            }
        }
    }

    private async Task<string?> TryClaimAsync(string paymentId, string holder, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH claimed AS (
                INSERT INTO payment_claims (payment_id, holder) VALUES ($1, $2)
                ON CONFLICT (payment_id) DO NOTHING
                RETURNING holder)
            SELECT holder FROM claimed
            UNION ALL
            SELECT holder FROM payment_claims WHERE payment_id = $1
            LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = paymentId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = holder });
        return (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }
}
