using System.Text.Json.Nodes;
using Pipeline.Actors.Outbox;
using Pipeline.Actors.Persistence;

namespace Pipeline.Tests.Storage;

/// <summary>
/// The outbox reads back as the journal projection wrote it: every field, in write order, in pages by position. Tests
/// of one class share one database, so each reads only what it wrote after the tail.
/// </summary>
public abstract class OutboxReaderContract(TestDatabase database) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 9, 30, 0, TimeSpan.Zero);

    private readonly string _run = Guid.NewGuid().ToString("N")[..12];

    private IStorage Storage { get; set; } = null!;

    public async Task InitializeAsync() => Storage = await database.OpenStorageAsync();

    public async Task DisposeAsync() => await Storage.DisposeAsync();

    [Fact]
    public async Task Messages_are_read_back_in_write_order_with_every_field()
    {
        var outboxTail = await OutboxTailAsync();
        var first = new[] { Message("a", "1", """{"n":1,"text":"é ✓"}"""), Message("a", "2"), Message("b", "3", """{"nested":{"list":[1,2,3]}}""") };
        var second = new[] { Message("a", "4") };

        await Storage.SeedAsync([], first);
        await Storage.SeedAsync([], second);

        var read = await Storage.Outbox.ReadAfterAsync(outboxTail, 100);
        Assert.Equal(first.Concat(second).Select(m => m.Id), read.Select(r => r.Message.Id));
        Assert.True(read.Zip(read.Skip(1)).All(p => p.Item1.Position < p.Item2.Position), "positions must increase");
        foreach (var (expected, (_, actual)) in first.Concat(second).Zip(read))
        {
            Assert.Equal(expected.Type, actual.Type);
            Assert.Equal(expected.EntityId, actual.EntityId);
            Assert.Equal(expected.CreatedAt, actual.CreatedAt);
            AssertSameJson(expected.Data, actual.Data);
        }
    }

    [Fact]
    public async Task Pages_after_a_position_continue_where_the_last_one_ended()
    {
        var outboxTail = await OutboxTailAsync();
        var messages = Enumerable.Range(0, 5).Select(i => Message("paged", $"{i}")).ToList();
        await Storage.SeedAsync([], messages);

        var page1 = await Storage.Outbox.ReadAfterAsync(outboxTail, 2);
        var page2 = await Storage.Outbox.ReadAfterAsync(page1[^1].Position, 2);
        var page3 = await Storage.Outbox.ReadAfterAsync(page2[^1].Position, 2);

        Assert.Equal([2, 2, 1], new[] { page1, page2, page3 }.Select(p => p.Count));
        Assert.Equal(messages.Select(m => m.Id), page1.Concat(page2).Concat(page3).Select(r => r.Message.Id));
        Assert.Empty(await Storage.Outbox.ReadAfterAsync(page3[^1].Position, 2));
    }

    private OutboxMessage Message(string entity, string name, string data = """{"ok":true}""") =>
        new($"test/{entity}-{_run}/{name}", "test.happened", $"test/{entity}-{_run}", data, T0.AddMinutes(1));

    private async Task<long> OutboxTailAsync()
    {
        var tail = 0L;
        while (await Storage.Outbox.ReadAfterAsync(tail, 1000) is { Count: > 0 } page)
        {
            tail = page[^1].Position;
        }
        return tail;
    }

    /// <summary>PostgreSQL stores JSON as jsonb, which normalises spacing: the contract is the same JSON value, not the same text.</summary>
    private static void AssertSameJson(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}, got {actual}");
}

public sealed class SqliteOutboxReaderTests(SqliteTestDatabase database)
    : OutboxReaderContract(database), IClassFixture<SqliteTestDatabase>;

public sealed class PostgresOutboxReaderTests(PostgresTestDatabase database)
    : OutboxReaderContract(database), IClassFixture<PostgresTestDatabase>;
