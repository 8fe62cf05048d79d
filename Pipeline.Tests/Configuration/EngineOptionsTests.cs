using Pipeline.Host.Engine;

namespace Pipeline.Tests.Configuration;

public sealed class EngineOptionsTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void Unset_the_live_entity_bound_is_an_eighth_of_the_available_memory_in_entities()
    {
        var options = new EngineOptions();

        Assert.Equal(10_922, options.LiveEntityBound(512 * MiB));
        Assert.Equal(524_288, options.LiveEntityBound(24 * 1024 * MiB));
        Assert.Equal(1_000, options.LiveEntityBound(16 * MiB)); // never below a thousand
        Assert.Equal(1_000_000, options.LiveEntityBound(1024 * 1024 * MiB)); // nor above a million
    }

    [Fact]
    public void A_configured_live_entity_bound_wins_whatever_the_memory()
    {
        Assert.Equal(25, new EngineOptions { MaxLiveEntities = 25 }.LiveEntityBound(512 * MiB));
    }
}
