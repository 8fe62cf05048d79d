using Pipeline.Tests.Storage;

namespace Pipeline.Tests.Support;

/// <summary>One database and one host per test class, on the storage <typeparamref name="TDatabase"/> names.</summary>
public sealed class AppFixture<TDatabase> : IAsyncLifetime where TDatabase : TestDatabase, new()
{
    public TDatabase Database { get; } = new();

    public PipelineApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        App = new PipelineApp(Database);
        _ = App.Server; // start now, so migrations run before the first test
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Database.DisposeAsync();
    }
}
