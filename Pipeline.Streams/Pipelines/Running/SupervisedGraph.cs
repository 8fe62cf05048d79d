using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Logging;

namespace Pipeline.Streams.Pipelines.Running;

/// <summary>
/// Runs a pipeline's graph on Akka.Streams until the node stops: each run under
/// <c>RestartSource.OnFailuresWithBackoff</c> (a failed run is restarted after <see cref="PipelineOptions.MinRestartBackoff"/>,
/// doubling up to <see cref="PipelineOptions.MaxRestartBackoff"/>, ±20 %), with the drain on stop:
/// <list type="number">
/// <item>the stop token shuts the shared drain <see cref="SharedKillSwitch"/> that follows every claim source, and the
/// claim loops end: nothing more is claimed, and the graph below finishes what it holds and completes;</item>
/// <item>after <see cref="PipelineOptions.DrainTimeout"/> a second switch (the hard stop) cuts the stream and cancels
/// the run's steps;</item>
/// <item>either way each run then waits for its steps and hands back what it claimed and did not settle
/// (<see cref="GraphRun"/>), and only then does <see cref="RunAsync{T}"/> return.</item>
/// </list>
/// </summary>
public static class SupervisedGraph
{
    public static async Task RunAsync<T>(
        string name,
        Func<GraphRun, Source<T, NotUsed>> build,
        PipelineOptions options,
        PipelineSupervisor supervisor,
        IMaterializer materializer,
        ILogger logger,
        CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(build);
        var drain = KillSwitches.Shared($"{name}-drain");
        using var hardStop = new CancellationTokenSource();
        using var onStop = stopping.Register(() =>
        {
            drain.Shutdown();
            // Backing off, nothing is in flight to drain: stop at once rather than after the drain timeout.
            hardStop.CancelAfter(supervisor.State == RestartState.BackingOff ? TimeSpan.Zero : options.DrainTimeout);
        });
        var runsLock = new Lock();
        var runsEnded = new List<Task>();
        var restarts = RestartSettings.Create(options.MinRestartBackoff, options.MaxRestartBackoff, randomFactor: 0.2);
        var graph = RestartSource.OnFailuresWithBackoff(() =>
            {
                supervisor.Started();
                var run = new GraphRun(drain, stopping, hardStop.Token);
                return build(run).WatchTermination((_, ended) =>
                {
                    // Told at once, before the restart source's backoff begins, so the state never lags a restart.
                    ended.ContinueWith(t =>
                    {
                        if (t.Exception?.GetBaseException() is { } failure && !stopping.IsCancellationRequested
                            && failure is not (AbruptStageTerminationException or AbruptTerminationException))
                        {
                            supervisor.Failed(failure);
                            logger.LogError(failure, "The {Pipeline} pipeline failed; restarting after a backoff", name);
                        }
                    }, TaskContinuationOptions.ExecuteSynchronously);
                    lock (runsLock)
                    {
                        runsEnded.Add(run.EndAsync(ended));
                    }
                    return NotUsed.Instance;
                });
            }, restarts)
            .Via(hardStop.Token.AsFlow<T>(cancelGracefully: true))
            .RunWith(Sink.Ignore<T>(), materializer);
        try
        {
            await UntilEndOrSystemEndAsync(graph, materializer, name, logger);
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            // Cut by the hard stop (or the actor system going down first): the runs below still hand back their work.
        }
        finally
        {
            Task[] ended;
            lock (runsLock)
            {
                ended = [.. runsEnded];
            }
            await Task.WhenAll(ended);
            supervisor.Ended(stopping.IsCancellationRequested);
        }
    }

    /// <summary>
    /// Waits for <paramref name="graph"/>, or for the end of the actor system it runs on: a node downed by the cluster
    /// terminates its actor system before the host stops, and the stream that dies with it may never complete its
    /// sink's task (the host's stop would then wait its whole shutdown timeout).
    /// </summary>
    public static async Task UntilEndOrSystemEndAsync(Task graph, IMaterializer materializer, string name, ILogger logger)
    {
        if (await Task.WhenAny(graph, SystemTerminated(materializer)).ConfigureAwait(false) == graph)
        {
            await graph.ConfigureAwait(false);
            return;
        }
        _ = graph.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        logger.LogWarning("The {Pipeline} pipeline ends: the node's actor system has terminated", name);
    }

    /// <summary>Completes when the actor system that <paramref name="materializer"/> runs on has terminated (never for another materializer).</summary>
    public static Task SystemTerminated(IMaterializer materializer) =>
        (materializer as ActorMaterializer)?.System.WhenTerminated ?? Task.Delay(Timeout.Infinite, CancellationToken.None);
}
