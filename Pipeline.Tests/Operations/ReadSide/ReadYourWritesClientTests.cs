using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Actors.Engine;
using Pipeline.Actors.Entities.Batches;
using Pipeline.Actors.Projections;
using Pipeline.Host.ReadSide;

namespace Pipeline.Tests.Operations.ReadSide;

/// <summary>
/// Which entity answers make this node's next read wait for the journal projection: a probe stands in for the projection
/// and counts the catch-ups it is asked for.
/// </summary>
public sealed class ReadYourWritesClientTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    private readonly Akka.TestKit.TestProbe _projection;
    private readonly ReadSideCatchUp _readSide;
    private readonly AnsweringClient _entities = new();
    private readonly ReadYourWritesClient<BatchCommand, BatchReply> _client;

    public ReadYourWritesClientTests()
    {
        _projection = CreateTestProbe();
        _readSide = new ReadSideCatchUp(new ProjectionRef(_projection.Ref), NullLogger<ReadSideCatchUp>.Instance);
        _client = new ReadYourWritesClient<BatchCommand, BatchReply>(_entities, _readSide);
    }

    [Fact]
    public async Task A_write_answered_here_makes_the_next_read_catch_up_once()
    {
        await _client.AskAsync("b-1", new ConsumeBatch(1, null, "hash"));

        var read = _readSide.WaitAsync(CancellationToken.None);
        await _projection.ExpectMsgAsync<ProjectionActor.CatchUp>();
        Assert.False(read.IsCompleted); // the read waits for the projection...
        _projection.Reply(ProjectionActor.CaughtUp.Instance);
        await read;

        await _readSide.WaitAsync(CancellationToken.None); // ...once: the catch-up covered that write
        await _projection.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task Reading_an_entity_leaves_the_next_read_alone()
    {
        await _client.AskAsync("b-1", new GetBatch());

        await _readSide.WaitAsync(CancellationToken.None);
        await _projection.ExpectNoMsgAsync(Quiet);
        Assert.Equal(1, _entities.Asked); // the entity was asked all the same
    }

    /// <summary>Answers every command at once, as an entity would after its write.</summary>
    private sealed class AnsweringClient : IEntityClient<BatchCommand, BatchReply>
    {
        public int Asked { get; private set; }

        public Task<BatchReply> AskAsync(string key, BatchCommand command, CancellationToken cancellationToken = default)
        {
            Asked++;
            return Task.FromResult<BatchReply>(new BatchReply.NotFound());
        }
    }

    private sealed class ProjectionRef(IActorRef actor) : IRequiredActor<JournalProjectionProxy>
    {
        public IActorRef ActorRef => actor;

        public Task<IActorRef> GetAsync(CancellationToken cancellationToken = default) => Task.FromResult(actor);
    }
}
