using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Streams;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Actors.Jobs;
using Pipeline.Streams.Graph;
using Pipeline.Streams.Jobs;
using Pipeline.Streams.Pipelines;
using Pipeline.Streams.Pipelines.Jobs;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Pipelines.Jobs;

public sealed class SqliteJobsPipelineTests() : JobsPipelineContract(new SqliteTestDatabase());

public sealed class PostgresJobsPipelineTests() : JobsPipelineContract(new PostgresTestDatabase());

/// <summary>
/// The <c>jobs</c> pipeline on Akka.Streams over real storage, with handlers the tests script: priority order, retries
/// then failure, rejection, and a stop that hands the running job back.
/// </summary>
public abstract class JobsPipelineContract(TestDatabase database) : StorageContract(database)
{
    private const string TestType = "test";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly ActorSystem _system = ActorSystem.Create("jobs-" + Guid.NewGuid().ToString("N"));
    private readonly CancellationTokenSource _stop = new();
    private Task? _running;

    [Fact]
    public async Task Paused_then_resumed_with_parallelism_1_it_starts_high_then_normal_then_low_whatever_the_queue_order()
    {
        var started = new ConcurrentQueue<string>();
        var control = Control(parallelism: 1, paused: true);
        Start(control, (run, _) =>
        {
            started.Enqueue(run.Lease.Id);
            return Task.FromResult(new JobFile("f", "text/plain", 0));
        });
        // Parked at the gate with its permit in hand: nothing is claimed until the resume.
        Assert.True(await Eventually.HoldsAsync(() => control.Gate.Waiting > 0, Bound), "the claim waits at the pause gate");
        await Storage.Jobs.EnqueueAsync(new NewJob("job_low", TestType, JobPriority.Low, "{}"));
        await Storage.Jobs.EnqueueAsync(new NewJob("job_normal", TestType, JobPriority.Normal, "{}"));
        await Storage.Jobs.EnqueueAsync(new NewJob("job_high", TestType, JobPriority.High, "{}"));

        control.Settings.Update(s => s with { Paused = false });

        Assert.True(await Eventually.HoldsAsync(() => control.Counters.Processed == 3, Bound), "all three complete");
        Assert.Equal(["job_high", "job_normal", "job_low"], started);
        Assert.All(["job_high", "job_normal", "job_low"], id => Assert.Equal(JobStatuses.Completed, Storage.Jobs.GetAsync(id).Result!.Status));
    }

    [Fact]
    public async Task A_failing_job_is_retried_once_per_retry_delay_then_failed_with_its_error()
    {
        var attempts = 0;
        var control = Control(parallelism: 2, paused: false);
        Start(control, (_, _) =>
        {
            Interlocked.Increment(ref attempts);
            throw new InvalidOperationException("disk full at /secret/path");
        }, retryDelays: [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50)]);

        await Storage.Jobs.EnqueueAsync(new NewJob("job_bad", TestType, JobPriority.Normal, "{}"));

        JobView? job = null;
        Assert.True(await Eventually.HoldsAsync(async () => (job = await Storage.Jobs.GetAsync("job_bad"))!.Status == JobStatuses.Failed, Bound));
        Assert.Equal(3, job!.Attempts);
        Assert.Equal(3, attempts);
        Assert.Equal(3, control.Counters.Failed);
        Assert.Contains("Attempt 3 failed", job.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("/secret/path", job.Error, StringComparison.Ordinal); // the exception's message stays in the log
        Assert.NotNull(job.CompletedAt);
    }

    [Fact]
    public async Task A_job_that_fails_once_completes_on_its_retry()
    {
        var attempts = 0;
        var control = Control(parallelism: 1, paused: false);
        Start(control, (_, _) => Interlocked.Increment(ref attempts) == 1
            ? throw new TimeoutException("storage blip")
            : Task.FromResult(new JobFile("f", "text/plain", 0)), retryDelays: [TimeSpan.FromMilliseconds(50)]);

        await Storage.Jobs.EnqueueAsync(new NewJob("job_flaky", TestType, JobPriority.Normal, "{}"));

        JobView? job = null;
        Assert.True(await Eventually.HoldsAsync(async () => (job = await Storage.Jobs.GetAsync("job_flaky"))!.Status == JobStatuses.Completed, Bound));
        Assert.Equal((2, (string?)null), (job!.Attempts, job.Error));
    }

    [Fact]
    public async Task A_rejected_job_fails_at_once_without_a_retry()
    {
        var control = Control(parallelism: 1, paused: false);
        Start(control, (_, _) => throw new JobRejectedException("Event evt_x does not exist."));

        await Storage.Jobs.EnqueueAsync(new NewJob("job_rejected", TestType, JobPriority.Normal, "{}"));

        JobView? job = null;
        Assert.True(await Eventually.HoldsAsync(async () => (job = await Storage.Jobs.GetAsync("job_rejected"))!.Status == JobStatuses.Failed, Bound));
        Assert.Equal((1, "Event evt_x does not exist."), (job!.Attempts, job.Error));
    }

    [Fact]
    public async Task Stopping_hands_the_running_job_back_due_at_once_without_counting_its_attempt()
    {
        var running = new TaskCompletionSource();
        var control = Control(parallelism: 1, paused: false);
        Start(control, async (_, ct) =>
        {
            running.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });
        await Storage.Jobs.EnqueueAsync(new NewJob("job_long", TestType, JobPriority.Normal, "{}"));
        await running.Task.WaitAsync(Bound);

        await _stop.CancelAsync();
        await _running!.WaitAsync(Bound);

        var job = await Storage.Jobs.GetAsync("job_long");
        Assert.Equal((JobStatuses.Queued, 0), (job!.Status, job.Attempts));
        Assert.Equal(0, control.Counters.InFlight);
        var next = Assert.Single(await Storage.Jobs.ClaimAsync("other-node", 1, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1)));
        Assert.Equal("job_long", next.Id);
    }

    private static PipelineControl Control(int parallelism, bool paused) =>
        new(PipelineNames.Jobs, new PipelineSettings(RatePerSecond: 10, Parallelism: parallelism, BufferSize: 4, Paused: paused));

    private void Start(PipelineControl control, Func<JobRun, CancellationToken, Task<JobFile>> handle, TimeSpan[]? retryDelays = null)
    {
        var pipeline = new JobsPipeline(Storage.Jobs, [new ScriptedHandler(handle)],
            new JobsOptions { RetryDelays = retryDelays ?? [TimeSpan.FromMilliseconds(50)], PromoteAfter = TimeSpan.FromHours(1) },
            new PipelineOptions { PollInterval = TimeSpan.FromMilliseconds(20), LeaseDuration = TimeSpan.FromSeconds(30) },
            "test-node", control, NullLogger.Instance);
        _running = pipeline.RunAsync(_system.Materializer(), _stop.Token);
    }

    public override async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null)
        {
            await _running.WaitAsync(Bound);
        }
        await _system.Terminate();
        await base.DisposeAsync();
    }

    private sealed class ScriptedHandler(Func<JobRun, CancellationToken, Task<JobFile>> handle) : IJobHandler
    {
        public string Type => TestType;

        public Task<JobFile> RunAsync(JobRun run, CancellationToken cancellationToken) => handle(run, cancellationToken);
    }
}
