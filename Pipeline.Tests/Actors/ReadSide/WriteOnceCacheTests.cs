using Pipeline.Actors.ReadSide;

namespace Pipeline.Tests.Actors.ReadSide;

public sealed class WriteOnceCacheTests
{
    private readonly List<string> _reads = [];

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
    public async Task Past_its_capacity_it_keeps_the_last_records_and_reads_older_ones_again()
    {
        var cache = new WriteOnceCache<string>(capacity: 10);

        for (var i = 0; i < 25; i++)
        {
            Assert.Equal($"k{i}", await cache.GetAsync($"k{i}", Load, CancellationToken.None));
        }
        _reads.Clear();

        for (var i = 15; i < 25; i++)
        {
            Assert.Equal($"k{i}", await cache.GetAsync($"k{i}", Load, CancellationToken.None));
        }
        Assert.Empty(_reads);
        Assert.Equal("k0", await cache.GetAsync("k0", Load, CancellationToken.None));
        Assert.Equal(["k0"], _reads);
    }

    [Fact]
    public async Task A_record_in_use_is_kept_however_many_others_come_after_it()
    {
        var cache = new WriteOnceCache<string>(capacity: 10);

        await cache.GetAsync("evt_hot", Load, CancellationToken.None);
        for (var i = 0; i < 100; i++)
        {
            cache.Add($"ord_{i}", $"ord_{i}");
            if (i % 5 == 0)
            {
                Assert.Equal("evt_hot", await cache.GetAsync("evt_hot", Load, CancellationToken.None));
            }
        }

        Assert.Equal(["evt_hot"], _reads);
    }

    /// <summary>Reads every id as found, recording it.</summary>
    private Task<string?> Load(string id, CancellationToken _)
    {
        _reads.Add(id);
        return Task.FromResult<string?>(id);
    }
}
