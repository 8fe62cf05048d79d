using Pipeline.Actors.Jobs;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Storage;

public sealed class SqliteJobStoreTests() : JobStoreContract(new SqliteTestDatabase());

public sealed class PostgresJobStoreTests() : JobStoreContract(new PostgresTestDatabase());

/// <summary>
/// What every job store must do: claims in rank order (priority, promoted as a job waits), leases that only their holder
/// writes under, a job taken over when its lease runs out, retries, failures and hand-backs, and files in chunks of
/// which only the completing run's are served. A fresh database per test.
/// </summary>
public abstract class JobStoreContract(TestDatabase database) : StorageContract(database)
{
    private static readonly TimeSpan LongLease = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan NoPromotion = TimeSpan.FromHours(1);

    private IJobStore Jobs => Storage.Jobs;

    [Fact]
    public async Task A_queued_job_reads_back_queued_with_its_priority_and_no_attempts()
    {
        var job = await Jobs.EnqueueAsync(new NewJob("job_a", "export", JobPriority.Low, """{"eventId":"evt_1"}"""));

        var read = await Jobs.GetAsync("job_a");

        Assert.Equal(job, read);
        Assert.Equal((JobStatuses.Queued, JobPriority.Low, 0, 0L, (long?)null), (read!.Status, read.Priority, read.Attempts, read.Done, read.Total));
        Assert.Equal("""{"eventId":"evt_1"}""", read.Parameters);
        Assert.Null(read.File);
        Assert.Null(await Jobs.GetAsync("job_missing"));
    }

    [Fact]
    public async Task A_high_job_is_claimed_before_normal_and_low_jobs_queued_earlier()
    {
        await Jobs.EnqueueAsync(new NewJob("job_low", "export", JobPriority.Low, "{}"));
        await Jobs.EnqueueAsync(new NewJob("job_normal", "export", JobPriority.Normal, "{}"));
        await Jobs.EnqueueAsync(new NewJob("job_high", "export", JobPriority.High, "{}"));

        var order = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            order.Add(Assert.Single(await Jobs.ClaimAsync("node-a", 1, LongLease, NoPromotion)).Id);
        }

        Assert.Equal(["job_high", "job_normal", "job_low"], order);
        Assert.Empty(await Jobs.ClaimAsync("node-a", 1, LongLease, NoPromotion));
    }

    [Fact]
    public async Task A_low_job_that_waited_twice_the_promotion_interval_goes_before_a_newer_high_job()
    {
        var promoteAfter = TimeSpan.FromMilliseconds(200);
        await Jobs.EnqueueAsync(new NewJob("job_old_low", "export", JobPriority.Low, "{}"));
        // A stall here only makes the low job older, never younger: the order below cannot flip by chance.
        await Task.Delay(promoteAfter * 3);
        await Jobs.EnqueueAsync(new NewJob("job_new_high", "export", JobPriority.High, "{}"));

        var first = Assert.Single(await Jobs.ClaimAsync("node-a", 1, LongLease, promoteAfter));
        var second = Assert.Single(await Jobs.ClaimAsync("node-a", 1, LongLease, promoteAfter));

        Assert.Equal(("job_old_low", "job_new_high"), (first.Id, second.Id));
    }

    [Fact]
    public async Task A_claim_leases_the_job_running_and_counts_an_attempt()
    {
        await Jobs.EnqueueAsync(new NewJob("job_a", "export", JobPriority.Normal, "{}"));

        var lease = Assert.Single(await Jobs.ClaimAsync("node-a", 5, LongLease, NoPromotion));
        var read = await Jobs.GetAsync("job_a");

        Assert.Equal((1, JobStatuses.Running), (read!.Attempts, read.Status));
        Assert.Equal(1, lease.Attempts);
        Assert.NotNull(read.StartedAt);
        Assert.Empty(await Jobs.ClaimAsync("node-b", 5, LongLease, NoPromotion));
        Assert.Equal(new JobQueueDepth(0, 0, 1, 0), await Jobs.DepthAsync());
    }

    [Fact]
    public async Task A_job_whose_lease_expired_is_taken_over_and_the_first_holder_can_no_longer_write()
    {
        await Jobs.EnqueueAsync(new NewJob("job_a", "export", JobPriority.Normal, "{}"));
        var stale = Assert.Single(await Jobs.ClaimAsync("node-a", 1, TimeSpan.FromMilliseconds(200), NoPromotion));
        Assert.True(await Jobs.AppendChunkAsync(stale, 0, "stale "u8.ToArray()));

        var current = await ClaimWhenFreeAsync("node-b");

        Assert.Equal(2, current.Attempts);
        Assert.False(await Jobs.ExtendAsync(stale, LongLease));
        Assert.False(await Jobs.ReportProgressAsync(stale, 10, 10));
        Assert.False(await Jobs.AppendChunkAsync(stale, 1, "late"u8.ToArray()));
        Assert.False(await Jobs.CompleteAsync(stale, new JobFile("stale.csv", "text/csv", 6)));
        Assert.False(await Jobs.FailAsync(stale, "stale"));
        Assert.False(await Jobs.ReleaseAsync(stale));

        Assert.True(await Jobs.ReportProgressAsync(current, 3, 3));
        Assert.True(await Jobs.AppendChunkAsync(current, 0, "fresh"u8.ToArray()));
        Assert.True(await Jobs.CompleteAsync(current, new JobFile("fresh.csv", "text/csv", 5)));

        var read = await Jobs.GetAsync("job_a");
        Assert.Equal((JobStatuses.Completed, 3L, (long?)3), (read!.Status, read.Done, read.Total));
        Assert.Equal(new JobFile("fresh.csv", "text/csv", 5), read.File);
        Assert.Equal("fresh", await FileTextAsync("job_a"));
        Assert.Equal(1, await Database.ScalarAsync("SELECT count(*) FROM job_file_chunks")); // the dead run's chunk is gone
    }

    [Fact]
    public async Task A_file_of_many_chunks_reads_back_in_order_once_the_job_completed()
    {
        await Jobs.EnqueueAsync(new NewJob("job_a", "export", JobPriority.Normal, "{}"));
        var lease = Assert.Single(await Jobs.ClaimAsync("node-a", 1, LongLease, NoPromotion));
        var chunks = Enumerable.Range(0, 3).Select(i => Enumerable.Repeat((byte)('a' + i), IJobStore.ChunkBytes).ToArray()).ToList();
        for (var i = 0; i < chunks.Count; i++)
        {
            Assert.True(await Jobs.AppendChunkAsync(lease, i, chunks[i]));
        }
        Assert.Empty(await ReadAllAsync("job_a")); // not completed: nothing to serve

        Assert.True(await Jobs.CompleteAsync(lease, new JobFile("f.csv", "text/csv", 3L * IJobStore.ChunkBytes)));

        var read = await ReadAllAsync("job_a");
        Assert.Equal(chunks.Count, read.Count);
        Assert.All(read.Zip(chunks), pair => Assert.True(pair.Item1.Span.SequenceEqual(pair.Item2)));
    }

    [Fact]
    public async Task A_retried_job_waits_its_delay_keeps_its_error_and_a_failed_one_keeps_no_file()
    {
        await Jobs.EnqueueAsync(new NewJob("job_a", "export", JobPriority.Normal, "{}"));
        var first = Assert.Single(await Jobs.ClaimAsync("node-a", 1, LongLease, NoPromotion));
        Assert.True(await Jobs.AppendChunkAsync(first, 0, "partial"u8.ToArray()));

        Assert.True(await Jobs.RetryAsync(first, LongLease, "storage blip"));

        var waiting = await Jobs.GetAsync("job_a");
        Assert.Equal((JobStatuses.Queued, "storage blip", 1), (waiting!.Status, waiting.Error, waiting.Attempts));
        Assert.NotNull(waiting.NextAttemptAt);
        Assert.Empty(await Jobs.ClaimAsync("node-a", 1, LongLease, NoPromotion)); // not due for five minutes
        Assert.Equal(new JobQueueDepth(0, 1, 0, 0), await Jobs.DepthAsync());

        await Jobs.EnqueueAsync(new NewJob("job_b", "export", JobPriority.Normal, "{}"));
        var other = Assert.Single(await Jobs.ClaimAsync("node-a", 1, LongLease, NoPromotion));
        Assert.True(await Jobs.AppendChunkAsync(other, 0, "partial"u8.ToArray()));
        Assert.True(await Jobs.FailAsync(other, "no such event"));
        var failed = await Jobs.GetAsync("job_b");
        Assert.Equal((JobStatuses.Failed, "no such event"), (failed!.Status, failed.Error));
        Assert.NotNull(failed.CompletedAt);
        Assert.Equal(0, await Database.ScalarAsync("SELECT count(*) FROM job_file_chunks WHERE job_id = 'job_b'"));
    }

    [Fact]
    public async Task A_released_job_is_due_at_once_for_another_node_without_its_attempt_counted()
    {
        await Jobs.EnqueueAsync(new NewJob("job_a", "export", JobPriority.Normal, "{}"));
        var first = Assert.Single(await Jobs.ClaimAsync("node-a", 1, LongLease, NoPromotion));

        Assert.True(await Jobs.ReleaseAsync(first));

        Assert.Equal((JobStatuses.Queued, 0), ((await Jobs.GetAsync("job_a"))!.Status, (await Jobs.GetAsync("job_a"))!.Attempts));
        var second = Assert.Single(await Jobs.ClaimAsync("node-b", 1, LongLease, NoPromotion));
        Assert.Equal(1, second.Attempts);
    }

    [Fact]
    public async Task Jobs_list_newest_first_filtered_by_status_and_type_and_paged_by_position()
    {
        foreach (var id in new[] { "job_1", "job_2", "job_3" })
        {
            await Jobs.EnqueueAsync(new NewJob(id, "export", JobPriority.Normal, "{}"));
        }
        await Jobs.EnqueueAsync(new NewJob("job_4", "other", JobPriority.Normal, "{}"));
        var claimed = Assert.Single(await Jobs.ClaimAsync("node-a", 1, LongLease, NoPromotion));
        Assert.Equal("job_1", claimed.Id);

        var all = await Jobs.ListAsync(null, null, long.MaxValue, 10);
        var exports = await Jobs.ListAsync(null, "export", long.MaxValue, 10);
        var queuedExports = await Jobs.ListAsync(JobStatuses.Queued, "export", long.MaxValue, 10);
        var nextPage = await Jobs.ListAsync(null, null, all[1].Position, 10);

        Assert.Equal(["job_4", "job_3", "job_2", "job_1"], all.Select(r => r.Job.Id));
        Assert.Equal(["job_3", "job_2", "job_1"], exports.Select(r => r.Job.Id));
        Assert.Equal(["job_3", "job_2"], queuedExports.Select(r => r.Job.Id));
        Assert.Equal(["job_2", "job_1"], nextPage.Select(r => r.Job.Id));
    }

    private async Task<JobLease> ClaimWhenFreeAsync(string owner)
    {
        JobLease? lease = null;
        Assert.True(await Eventually.HoldsAsync(async () =>
            (lease = (await Jobs.ClaimAsync(owner, 1, LongLease, NoPromotion)).SingleOrDefault()) is not null, TimeSpan.FromSeconds(30)),
            "the expired lease is claimable again");
        return lease!;
    }

    private async Task<List<ReadOnlyMemory<byte>>> ReadAllAsync(string id)
    {
        var chunks = new List<ReadOnlyMemory<byte>>();
        await foreach (var chunk in Jobs.ReadFileAsync(id))
        {
            chunks.Add(chunk);
        }
        return chunks;
    }

    private async Task<string> FileTextAsync(string id) =>
        string.Concat((await ReadAllAsync(id)).Select(c => System.Text.Encoding.UTF8.GetString(c.Span)));
}
