using System.Runtime.CompilerServices;
using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Logging;
using Pipeline.Actors.Jobs;
using Pipeline.Streams.Graph;
using Pipeline.Streams.Jobs;
using Pipeline.Streams.Pipelines.Running;
using Pipeline.Streams.Stages.Parallel;
using Pipeline.Streams.Stages.Retry;

namespace Pipeline.Streams.Pipelines.Jobs;

/// <summary>
/// The <c>jobs</c> pipeline on Akka.Streams:
/// <code>
/// claim source (a permit of jobs.parallelism per claimed job, jobs.paused) → SelectAsyncUnordered(run one job) → ignore
/// </code>
/// under <c>RestartSource.OnFailuresWithBackoff</c>, so a claim that fails (storage down) restarts the source after a
/// backoff. The source claims only while a permit of the <see cref="ResizableLimit"/> is free, so parallelism changes
/// live and <c>SelectAsyncUnordered</c>'s own bound is never the one that holds. Each running job's lease is extended
/// while it runs; on stop the running jobs are cut and their leases handed back, so another node takes them at once.
/// </summary>
public sealed class JobsPipeline
{
    private readonly IJobStore _store;
    private readonly IReadOnlyDictionary<string, IJobHandler> _handlers;
    private readonly JobsOptions _jobs;
    private readonly PipelineOptions _options;
    private readonly string _node;
    private readonly RetrySchedule _retries;
    private readonly ILogger _logger;

    public JobsPipeline(
        IJobStore store, IEnumerable<IJobHandler> handlers, JobsOptions jobs, PipelineOptions options, string node, PipelineControl control, ILogger logger)
    {
        _store = store;
        _handlers = handlers.ToDictionary(h => h.Type, StringComparer.Ordinal);
        _jobs = jobs;
        _options = options;
        _node = node;
        _retries = new RetrySchedule(jobs.RetryDelays is [] ? JobsOptions.DefaultRetryDelays : jobs.RetryDelays);
        Control = control;
        _logger = logger;
    }

    public PipelineControl Control { get; }

    /// <summary>Runs until <paramref name="stopping"/> is canceled and every job it started has been settled or handed back.</summary>
    public async Task RunAsync(IMaterializer materializer, CancellationToken stopping)
    {
        var permits = new ResizableLimit(Control.Settings.Current.Parallelism);
        using var changes = Control.Settings.OnChange(s =>
        {
            permits.SetLimit(s.Parallelism);
            Control.Gate.Set(s.Paused);
        });
        var restarts = RestartSettings.Create(_options.MinRestartBackoff, _options.MaxRestartBackoff, randomFactor: 0.2);
        var supervisor = Control.Supervisor ??= new PipelineSupervisor();
        var graph = RestartSource.OnFailuresWithBackoff(() =>
            {
                supervisor.Started();
                return Source.From(() => ClaimAsync(permits, supervisor, stopping));
            }, restarts)
            .SelectAsyncUnordered(ParallelDefaults.MaxParallelism, lease => RunOneAsync(lease, permits, stopping))
            .RunWith(Sink.Ignore<Done>(), materializer);
        // A job still running when the actor system ends keeps its lease alive until the process exits, and a survivor
        // takes it once the lease runs out.
        await SupervisedGraph.UntilEndOrSystemEndAsync(graph, materializer, PipelineNames.Jobs, _logger).ConfigureAwait(false);
        supervisor.Ended(stopping.IsCancellationRequested);
    }

    /// <summary>
    /// Claims due jobs, one permit each, while not paused: waits for a permit, takes every other free one, claims that
    /// many, gives back what it did not use. Ends when the node stops; a claim that throws fails the source (restarted).
    /// </summary>
    private async IAsyncEnumerable<JobLease> ClaimAsync(ResizableLimit permits, PipelineSupervisor supervisor, [EnumeratorCancellation] CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            if (!await WaitAsync(() => permits.WaitAsync(stopping)).ConfigureAwait(false))
            {
                yield break;
            }
            var held = 1 + permits.TakeFree(ParallelDefaults.MaxParallelism);
            IReadOnlyList<JobLease> claimed = [];
            try
            {
                // Checked with the permits in hand, right before the claim: once paused, no claim starts.
                await Control.Gate.WaitIfPausedAsync(stopping).ConfigureAwait(false);
                claimed = await _store.ClaimAsync(_node, held, _options.LeaseDuration, _jobs.PromoteAfter, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
            }
            catch (Exception failure)
            {
                supervisor.Failed(failure); // the restart source backs off and claims again; operators see why
                throw;
            }
            finally
            {
                permits.Release(held - claimed.Count);
            }
            if (claimed.Count == 0)
            {
                if (!await WaitAsync(() => new ValueTask(Task.Delay(_options.PollInterval, stopping))).ConfigureAwait(false))
                {
                    yield break;
                }
                continue;
            }
            foreach (var job in claimed)
            {
                yield return job;
            }
        }
    }

    /// <summary>False when the node began to stop during the wait.</summary>
    private static async Task<bool> WaitAsync(Func<ValueTask> wait)
    {
        try
        {
            await wait().ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>One attempt of one job, settled whatever happens: completed, retried, failed, or handed back on stop.</summary>
    private async Task<Done> RunOneAsync(JobLease lease, ResizableLimit permits, CancellationToken stopping)
    {
        Control.Counters.AddInFlight(1);
        using var run = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var lost = new StrongBox<bool>();
        var keepAlive = KeepLeaseAsync(lease, lost, run);
        try
        {
            var file = await RunHandlerAsync(lease, run.Token).ConfigureAwait(false);
            await run.CancelAsync().ConfigureAwait(false); // the keep-alive: the outcome's write ends the lease
            await keepAlive.ConfigureAwait(false);
            if (await _store.CompleteAsync(lease, file, CancellationToken.None).ConfigureAwait(false))
            {
                Control.Counters.IncrementProcessed();
                _logger.LogInformation("Job {JobId} ({Type}) completed: {File}, {Bytes} bytes", lease.Id, lease.Type, file.Name, file.Bytes);
            }
            else
            {
                _logger.LogWarning("Job {JobId} finished after its lease was taken over; its result is dropped", lease.Id);
            }
        }
        catch (Exception) when (lost.Value)
        {
            _logger.LogWarning("Job {JobId} stopped: its lease was taken over by another node", lease.Id);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            await SettleAsync(lease, () => _store.ReleaseAsync(lease, CancellationToken.None), "handed back on stop").ConfigureAwait(false);
        }
        catch (JobLeaseLostException error)
        {
            _logger.LogWarning("{Message}", error.Message);
        }
        catch (JobRejectedException error)
        {
            Control.Counters.IncrementFailed();
            await SettleAsync(lease, () => _store.FailAsync(lease, error.Message, CancellationToken.None), "failed").ConfigureAwait(false);
        }
        catch (Exception error)
        {
            Control.Counters.IncrementFailed();
            _logger.LogError(error, "Job {JobId} ({Type}) attempt {Attempt} failed", lease.Id, lease.Type, lease.Attempts);
            // The stored error is for users: the exception's type, never its message (which may hold SQL).
            var message = $"Attempt {lease.Attempts} failed unexpectedly ({error.GetType().Name}); the node's log has the details.";
            var delay = _retries.NextDelay(lease.Attempts, Random.Shared.NextDouble());
            await SettleAsync(lease, () => delay is { } wait
                    ? _store.RetryAsync(lease, wait, message, CancellationToken.None)
                    : _store.FailAsync(lease, message, CancellationToken.None),
                delay is null ? "failed after its last attempt" : $"retried in {delay}").ConfigureAwait(false);
        }
        finally
        {
            await run.CancelAsync().ConfigureAwait(false);
            await keepAlive.ConfigureAwait(false);
            Control.Counters.AddInFlight(-1);
            permits.Release();
        }
        return Done.Instance;
    }

    private Task<JobFile> RunHandlerAsync(JobLease lease, CancellationToken cancellationToken)
    {
        if (!_handlers.TryGetValue(lease.Type, out var handler))
        {
            throw new JobRejectedException($"No handler runs jobs of type '{lease.Type}'.");
        }
        if (lease.Attempts > _retries.MaxAttempts)
        {
            // Attempts whose node died count too: a job that kills its node every time must not kill every node in turn.
            throw new JobRejectedException($"Gave up after {lease.Attempts - 1} attempts; the last ones ended with their node.");
        }
        return handler.RunAsync(new JobRun(_store, lease), cancellationToken);
    }

    /// <summary>Extends the lease every third of its length; cancels the run when another node has taken the job.</summary>
    private async Task KeepLeaseAsync(JobLease lease, StrongBox<bool> lost, CancellationTokenSource run)
    {
        var every = _options.LeaseDuration / 3;
        while (!run.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, run.Token).ConfigureAwait(false);
                if (!await _store.ExtendAsync(lease, _options.LeaseDuration, run.Token).ConfigureAwait(false))
                {
                    lost.Value = true;
                    await run.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception error)
            {
                // A storage blip: the next tick tries again, well before the lease runs out.
                _logger.LogWarning(error, "Could not extend the lease of job {JobId}", lease.Id);
            }
        }
    }

    /// <summary>A settle that fails (storage down) leaves the lease to expire: the job comes back and is run again.</summary>
    private async Task SettleAsync(JobLease lease, Func<Task<bool>> settle, string outcome)
    {
        try
        {
            if (await settle().ConfigureAwait(false))
            {
                _logger.LogInformation("Job {JobId} ({Type}) {Outcome}", lease.Id, lease.Type, outcome);
            }
            else
            {
                _logger.LogWarning("Job {JobId} was not {Outcome}: its lease was taken over", lease.Id, outcome);
            }
        }
        catch (Exception error)
        {
            _logger.LogError(error, "Job {JobId} could not be {Outcome}; it comes back when its lease expires", lease.Id, outcome);
        }
    }
}
