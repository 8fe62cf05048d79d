using Akka.Actor;

namespace Pipeline.Actors.Cluster;

/// <summary>
/// Tells a dead seed from a live one that is merely not in a cluster yet. Both leave a joining node waiting, but only
/// the dead one may be skipped: a live node ahead in line will form or join a cluster, and skipping it is how two
/// clusters start. Any actor system answers <see cref="Identify"/> at its <c>/system</c> guardian, joined or not.
/// </summary>
internal static class SeedProbe
{
    /// <summary>The addresses that did not answer within <paramref name="timeout"/>.</summary>
    public static async Task<IReadOnlyList<Address>> SilentAsync(ActorSystem system, IEnumerable<Address> seeds, TimeSpan timeout)
    {
        var probes = seeds.Select(async seed => (Seed: seed, Answered: await AnswersAsync(system, seed, timeout).ConfigureAwait(false)));
        return (await Task.WhenAll(probes).ConfigureAwait(false)).Where(p => !p.Answered).Select(p => p.Seed).ToList();
    }

    private static async Task<bool> AnswersAsync(ActorSystem system, Address seed, TimeSpan timeout)
    {
        try
        {
            var identity = await system.ActorSelection(new RootActorPath(seed) / "system").Ask<ActorIdentity>(new Identify(null), timeout)
                .ConfigureAwait(false);
            // No subject: the message never reached a live system (an unreachable address is gated and its messages go to
            // dead letters, which answer Identify with nobody). A live one always has its /system guardian.
            return identity.Subject is not null;
        }
        catch (AskTimeoutException)
        {
            return false;
        }
    }
}
