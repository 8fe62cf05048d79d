using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.TestKit;
using Pipeline.Actors.Engine;
using Pipeline.Actors.Entities.Batches;
using Xunit.Abstractions;

namespace Pipeline.Tests.Actors.Engine;

/// <summary>The bound on a node's live entities of one type: the least recently used leave, each asked once, through sharding's passivation.</summary>
public sealed class LiveEntitiesTests(ITestOutputHelper output) : EntityActorTestKit(output)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task Past_the_limit_by_a_tenth_the_least_recently_used_are_asked_to_leave()
    {
        var live = new LiveEntities(limit: 10);
        var probes = Enumerable.Range(0, 12).Select(_ => CreateTestProbe()).ToList();
        var entries = probes.Take(11).Select(p => live.Started(p.Ref)).ToList();
        entries[0].Used(); // the first started is now the most recently used
        await ExpectNothingAsync(probes);

        live.Started(probes[11].Ref); // 12 live: two over the limit, past its tenth

        await probes[1].ExpectMsgAsync<PassivateLeastUsed>(Wait);
        await probes[2].ExpectMsgAsync<PassivateLeastUsed>(Wait);
        await ExpectNothingAsync(probes);
    }

    [Fact]
    public async Task Entities_asked_to_leave_are_not_asked_again_and_make_room_once_stopped()
    {
        var live = new LiveEntities(limit: 10);
        var probes = Enumerable.Range(0, 14).Select(_ => CreateTestProbe()).ToList();
        var entries = probes.Take(12).Select(p => live.Started(p.Ref)).ToList();
        await probes[0].ExpectMsgAsync<PassivateLeastUsed>(Wait);
        await probes[1].ExpectMsgAsync<PassivateLeastUsed>(Wait);

        live.Started(probes[12].Ref); // 11 staying: within the tenth, nobody is asked
        await ExpectNothingAsync(probes);
        entries[0].Stopped();
        entries[1].Stopped();
        Assert.Equal(11, live.Count);

        live.Started(probes[13].Ref); // 12 staying again: the two least recently used of them
        await probes[2].ExpectMsgAsync<PassivateLeastUsed>(Wait);
        await probes[3].ExpectMsgAsync<PassivateLeastUsed>(Wait);
        await ExpectNothingAsync(probes);
    }

    [Fact]
    public async Task Entities_starting_working_and_stopping_on_many_threads_at_once_stay_counted_and_bounded()
    {
        var live = new LiveEntities(limit: 100);
        var kept = await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            var random = new Random(worker);
            var mine = new List<LiveEntity>();
            for (var i = 0; i < 1_000; i++)
            {
                mine.Add(live.Started(ActorRefs.Nobody));
                mine[random.Next(mine.Count)].Used();
                if (i % 3 == 0)
                {
                    var stopped = mine[random.Next(mine.Count)];
                    stopped.Stopped();
                    mine.Remove(stopped);
                }
            }
            return mine;
        })));

        var all = kept.SelectMany(m => m).ToList();
        Assert.Equal(all.Count, live.Count);
        Assert.InRange(all.Count(e => !e.Leaving), 1, 110); // the bound and its tenth; every other one was asked to leave
        foreach (var entry in all)
        {
            entry.Stopped();
        }
        Assert.Equal(0, live.Count);
    }

    [Fact]
    public async Task An_entity_asked_to_leave_passivates_through_its_shard_and_leaves_the_bound_when_stopped()
    {
        var live = new LiveEntities(limit: 1);
        // Children of the test actor, which stands in for their shard: it receives their Passivate.
        var first = ChildActorOf(EntityProps("b1", live: live));
        await first.Ask<object>(Command("b1", new CreateBatch("sku-l", 10)), Wait);
        var second = ChildActorOf(EntityProps("b2", live: live));
        await second.Ask<object>(Command("b2", new CreateBatch("sku-l", 20)), Wait);
        await ExpectNoMsgAsync(Quiet);
        var third = ChildActorOf(EntityProps("b3", live: live)); // three live: the two least recently used leave

        var asked = new Dictionary<IActorRef, Passivate>();
        for (var i = 0; i < 2; i++)
        {
            var passivate = await ExpectMsgAsync<Passivate>(Wait);
            asked[LastSender] = passivate;
        }
        Assert.Equal(new[] { first, second }.ToHashSet(), asked.Keys.ToHashSet());
        Assert.All(asked.Values, p => Assert.Same(EntityStop.Instance, p.StopMessage));
        Watch(first);
        first.Tell(EntityStop.Instance); // as the shard does
        await ExpectTerminatedAsync(first, Wait);
        Assert.Equal(2, live.Count);
        Assert.Equal(1, Counters.Stats().Passivations);
        await ExpectNoMsgAsync(Quiet);

        // It recovers as any passivated entity does; the one still live answers as before.
        Assert.Equal(10, (await GetAsync(Spawn("b1"), "b1")).Remaining);
        Assert.Equal(20, (await GetAsync(second, "b2")).Remaining);
        Assert.IsType<BatchReply.NotFound>(await AskAsync(third, "b3", new GetBatch()));
    }

    private static async Task ExpectNothingAsync(IEnumerable<TestProbe> probes)
    {
        foreach (var probe in probes)
        {
            await probe.ExpectNoMsgAsync(Quiet);
        }
    }
}
