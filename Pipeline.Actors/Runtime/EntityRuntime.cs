using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Actors.Journal;

namespace Pipeline.Actors.Runtime;

/// <summary>
/// All entities of one type: addressed by key, placed on a shard by a stable hash of the key, each shard a
/// single writer. Commands to one entity run one at a time, in the order they were queued.
/// </summary>
public sealed class EntityRuntime<TState, TCommand, TEvent, TReply> : IAsyncDisposable
{
    private readonly EntityShard<TState, TCommand, TEvent, TReply>[] _shards;

    public EntityRuntime(
        IEntityBehavior<TState, TCommand, TEvent, TReply> behavior,
        IJournal journal,
        EntityRuntimeOptions? options = null,
        TimeProvider? time = null,
        ILogger? logger = null,
        EventCodec<TEvent>? codec = null)
    {
        Options = options ?? new EntityRuntimeOptions();
        Options.Validate();
        codec ??= new EventCodec<TEvent>();
        _shards = Enumerable.Range(0, Options.ShardCount)
            .Select(_ => new EntityShard<TState, TCommand, TEvent, TReply>(
                behavior, journal, Options, codec, time ?? TimeProvider.System, logger ?? NullLogger.Instance))
            .ToArray();
    }

    public EntityRuntimeOptions Options { get; }

    /// <summary>Queues the command for the entity and returns its reply once its events are durable.</summary>
    public Task<TReply> AskAsync(string key, TCommand command, CancellationToken cancellationToken = default) =>
        _shards[ShardPlacement.ShardOf(key, _shards.Length)].AskAsync(key, command, cancellationToken);

    public EntityRuntimeStats Stats()
    {
        var all = _shards.Select(s => s.Stats()).ToList();
        return new EntityRuntimeStats(
            all.Sum(s => s.LiveEntities),
            all.Sum(s => s.Recoveries),
            all.Sum(s => s.Passivations),
            all.Sum(s => s.Transactions),
            all.Sum(s => s.CommandsCommitted),
            all.Sum(s => s.Conflicts),
            all.Sum(s => s.QueuedCommands));
    }

    /// <summary>Stops taking commands, finishes the queued ones, and waits for the shards to stop.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_shards.Select(s => s.StopAsync())).ConfigureAwait(false);
    }
}
