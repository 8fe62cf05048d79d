using Pipeline.Actors.Outbox;
using Pipeline.Actors.Persistence;
using Pipeline.Actors.Projections;

namespace Pipeline.Tests.Storage;

/// <summary>
/// Writes read-side rows and outbox messages (with their work items) the way the journal projection does, in one
/// transaction, without an actor system: storage tests seed what they read through the production write path.
/// </summary>
internal static class ProjectionSeed
{
    /// <summary>A checkpoint of its own, so seeding never moves the real projection's.</summary>
    public const string Projection = "test-seed";

    public static Task SeedAsync(this IStorage storage, IReadOnlyList<object> views, IReadOnlyList<OutboxMessage> outbox) =>
        storage.Projections.ApplyAsync(Projection, views, outbox, ProjectionCheckpoint.Start);
}
