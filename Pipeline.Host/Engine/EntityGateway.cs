using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Options;
using Pipeline.Actors.Engine;
using Pipeline.Streams.Telemetry;

namespace Pipeline.Host.Engine;

/// <summary>
/// Asks one entity type's shard region: the command carries a deadline (<see cref="EngineOptions.AskTimeout"/>) after
/// which the entity drops it, and the ask waits <see cref="EngineOptions.WriteGrace"/> longer for a write begun just
/// before it. No answer, or an expired one, is <see cref="EntityUnavailableException"/>: nothing was applied.
/// </summary>
public sealed class EntityGateway<TRegion, TCommand, TReply>(
    IRequiredActor<TRegion> region, IOptions<EngineOptions> options, TimeProvider time, EngineCounters counters)
    : IEntityClient<TCommand, TReply>
{
    private readonly EntityCounters _counters = counters.For<TRegion>();
    private readonly string _activityName = "entity ask " + typeof(TRegion).Name.Replace("Region", "", StringComparison.Ordinal);
    private readonly TimeSpan _askTimeout = options.Value.AskTimeout;
    private readonly TimeSpan _wait = options.Value.AskTimeout + options.Value.WriteGrace;

    public async Task<TReply> AskAsync(string key, TCommand command, CancellationToken cancellationToken = default)
    {
        var envelope = new EntityCommand<TCommand>(key, command, time.GetUtcNow() + _askTimeout);
        // A child of the request's activity, ended when the entity answered (or did not in time).
        using var activity = PipelineTracing.Source.StartActivity(_activityName, ActivityKind.Client);
        activity?.SetTag("pipeline.entity.key", key);
        activity?.SetTag("pipeline.command", command?.GetType().Name);
        object answer;
        try
        {
            answer = await region.ActorRef.Ask<object>(envelope, _wait, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException timeout)
        {
            _counters.AskTimedOut();
            activity?.SetStatus(ActivityStatusCode.Error, "no answer in time");
            throw new EntityUnavailableException(typeof(TRegion).Name + " " + key, timeout);
        }
        return answer switch
        {
            TReply reply => reply,
            CommandExpired => throw Expired(key),
            Status.Failure failure => throw new InvalidOperationException($"{typeof(TRegion).Name} {key} failed.", failure.Cause),
            _ => throw new InvalidOperationException($"{typeof(TRegion).Name} {key} answered {answer.GetType().Name}."),
        };
    }

    /// <summary>The entity dropped the command: its deadline passed before it could decide it.</summary>
    private EntityUnavailableException Expired(string key)
    {
        _counters.AskTimedOut();
        return new EntityUnavailableException(typeof(TRegion).Name + " " + key);
    }
}
