using Pipeline.Actors.Persistence;

namespace Pipeline.Tests.Storage;

/// <summary>A contract run against one fresh database of each storage: the database made, migrated and opened per test.</summary>
public abstract class StorageContract(TestDatabase database) : IAsyncLifetime
{
    protected TestDatabase Database => database;

    protected IStorage Storage { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await database.InitializeAsync();
        Storage = await database.OpenStorageAsync();
    }

    public virtual async Task DisposeAsync()
    {
        await Storage.DisposeAsync();
        await database.DisposeAsync();
    }
}
