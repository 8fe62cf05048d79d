using Pipeline.Actors.Persistence;

namespace Pipeline.Tests.Storage;

public sealed class SqlitePaymentClaimsTests() : PaymentClaimsContract(new SqliteTestDatabase());

public sealed class PostgresPaymentClaimsTests() : PaymentClaimsContract(new PostgresTestDatabase());

/// <summary>A payment id is applied to one registration only, cluster-wide: the first claim holds it for good.</summary>
public abstract class PaymentClaimsContract(TestDatabase database) : StorageContract(database)
{

    [Fact]
    public async Task The_first_claim_holds_the_payment_id_and_a_repeat_by_its_holder_still_holds_it()
    {
        Assert.Equal("evt_a/mem_1", await Storage.PaymentClaims.ClaimAsync("pay_first", "evt_a/mem_1"));
        Assert.Equal("evt_a/mem_1", await Storage.PaymentClaims.ClaimAsync("pay_first", "evt_a/mem_2"));
        Assert.Equal("evt_a/mem_1", await Storage.PaymentClaims.ClaimAsync("pay_first", "evt_a/mem_1"));
        Assert.Equal("evt_a/mem_2", await Storage.PaymentClaims.ClaimAsync("pay_second", "evt_a/mem_2"));
    }

    [Fact]
    public async Task Twenty_registrations_claiming_one_payment_at_once_all_see_the_same_single_holder()
    {
        using var start = new SemaphoreSlim(0);
        var claims = Enumerable.Range(0, 20).Select(async i =>
        {
            await start.WaitAsync();
            return await Storage.PaymentClaims.ClaimAsync("pay_raced", $"evt_r/mem_{i}");
        }).ToList();
        start.Release(20);

        var holders = await Task.WhenAll(claims);

        Assert.Single(holders.Distinct());
        Assert.StartsWith("evt_r/mem_", holders[0]);
        Assert.Equal(1, await Database.ScalarAsync("SELECT count(*) FROM payment_claims WHERE payment_id = 'pay_raced'"));
    }

    [Fact]
    public async Task Two_nodes_claiming_the_same_two_hundred_payments_at_once_agree_on_every_holder()
    {
        await using var other = await Database.OpenStorageAsync();
        using var start = new SemaphoreSlim(0);
        var claims = Enumerable.Range(0, 200).SelectMany(i => new[]
        {
            ClaimAsync(Storage, $"pay_both_{i}", $"evt_b/mem_a{i}"),
            ClaimAsync(other, $"pay_both_{i}", $"evt_b/mem_b{i}"),
        }).ToList();
        start.Release(claims.Count);

        var holders = await Task.WhenAll(claims);

        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(holders[2 * i], holders[2 * i + 1]);
            Assert.Contains(holders[2 * i], new[] { $"evt_b/mem_a{i}", $"evt_b/mem_b{i}" });
        }
        Assert.Equal(200, await Database.ScalarAsync("SELECT count(*) FROM payment_claims WHERE payment_id LIKE 'pay_both_%'"));

        async Task<string> ClaimAsync(IStorage storage, string paymentId, string holder)
        {
            await start.WaitAsync();
            return await storage.PaymentClaims.ClaimAsync(paymentId, holder);
        }
    }
}
