using Pipeline.Actors.ReadSide;

namespace Pipeline.Tests.Actors.ReadSide;

public sealed class WriteOnceCacheTests
{
    [Fact]
    public async Task A_found_record_is_read_once_and_a_missing_one_is_asked_again()
    {
        var cache = new WriteOnceCache<string>();
        var reads = new Dictionary<string, int>();
        Task<string?> Load(string id, CancellationToken _)
        {
            reads[id] = reads.GetValueOrDefault(id) + 1;
            return Task.FromResult(id.StartsWith("evt_", StringComparison.Ordinal) ? "view of " + id : null);
        }

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("view of evt_1", await cache.GetAsync("evt_1", Load, CancellationToken.None));
            Assert.Null(await cache.GetAsync("missing", Load, CancellationToken.None));
        }

        Assert.Equal(1, reads["evt_1"]);
        Assert.Equal(3, reads["missing"]);
    }

    [Fact]
    public async Task A_record_added_by_the_node_that_wrote_it_is_served_without_a_read()
    {
        var cache = new WriteOnceCache<string>();
        Assert.Equal("order 1", cache.Add("ord_1", "order 1"));

        var found = await cache.GetAsync("ord_1", (_, _) => throw new InvalidOperationException("read"), CancellationToken.None);

        Assert.Equal("order 1", found);
    }

    [Fact]
    public async Task Past_its_capacity_it_starts_over_and_still_answers()
    {
        var cache = new WriteOnceCache<string>(capacity: 10);
        var reads = 0;
        Task<string?> Load(string id, CancellationToken _)
        {
            reads++;
            return Task.FromResult<string?>(id);
        }

        for (var i = 0; i < 25; i++)
        {
            Assert.Equal($"k{i}", await cache.GetAsync($"k{i}", Load, CancellationToken.None));
        }
        Assert.Equal("k24", await cache.GetAsync("k24", Load, CancellationToken.None));

        Assert.Equal(25, reads);
    }
}
