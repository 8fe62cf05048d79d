using System.Net;
using System.Text.Json;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Streams.Jobs;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Pipelines.Jobs;

// One at a time: two hosts exporting at once on a 2-core machine only measure the machine.
[Collection(nameof(JobCrashContract))]
public sealed class SqliteJobCrashTests() : JobCrashContract(new SqliteTestDatabase());

[Collection(nameof(JobCrashContract))]
public sealed class PostgresJobCrashTests() : JobCrashContract(new PostgresTestDatabase());

/// <summary>
/// A host killed with SIGKILL in the middle of an export: its lease runs out, the restarted host claims the job again
/// and completes it once: one file, every registration in it exactly once, nothing left of the dead run.
/// </summary>
public abstract class JobCrashContract(TestDatabase database) : IAsyncLifetime
{
    private const string AdminKey = "jobs-crash-admin-key-0123";
    private const string EventId = "evt_crash_export";
    private const int Registrations = 60_000;
    private string _workingDirectory = "";

    public async Task InitializeAsync()
    {
        await database.InitializeAsync();
        _workingDirectory = Directory.CreateTempSubdirectory("pipeline-jobs-crash-").FullName;
    }

    public async Task DisposeAsync()
    {
        await database.DisposeAsync();
        Directory.Delete(_workingDirectory, recursive: true);
    }

    [Fact]
    public async Task An_export_whose_host_is_killed_mid_run_completes_once_after_a_restart()
    {
        string jobId;
        await using (var first = await HostProcess.StartAsync(Settings(), _workingDirectory))
        {
            await AttendeeSeed.SeedAsync(database, EventId, Registrations);
            using var client = first.CreateClient(AdminKey);
            var started = await client.PostJsonAsync($"/api/events/{EventId}/exports", new { format = "csv", status = "all" });
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            jobId = (await started.JsonAsync()).GetProperty("id").GetString()!;

            JsonElement job = default;
            Assert.True(await Eventually.HoldsAsync(async () =>
            {
                job = await (await client.GetAsync($"/api/jobs/{jobId}")).JsonAsync();
                return job.GetProperty("progress").GetProperty("done").GetInt64() > 0 || job.GetProperty("status").GetString() != "queued";
            }, TimeSpan.FromSeconds(60)), "the export starts");
            await first.KillAsync();
            Assert.Equal("running", job.GetProperty("status").GetString());
            Assert.True(job.GetProperty("progress").GetProperty("done").GetInt64() < Registrations, "killed before the export finished");
        }

        await using var second = await HostProcess.StartAsync(Settings(), _workingDirectory);
        using var admin = second.CreateClient(AdminKey);
        JsonElement done = default;
        Assert.True(await Eventually.HoldsAsync(async () =>
        {
            done = await (await admin.GetAsync($"/api/jobs/{jobId}")).JsonAsync();
            return done.GetProperty("status").GetString() is "completed" or "failed";
        }, TimeSpan.FromSeconds(120)), "the export finishes after the restart");

        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(2, done.GetProperty("attempts").GetInt32()); // the killed run and the one that completed
        Assert.Equal(Registrations, done.GetProperty("progress").GetProperty("done").GetInt64());
        var ran = done.GetProperty("completedAt").GetDateTimeOffset() - done.GetProperty("startedAt").GetDateTimeOffset();
        Assert.True(ran >= TimeSpan.FromSeconds(5), $"paced at 10,000 rows a second, the last run alone takes 6 s; it took {ran}");
        var (_, rows) = AttendeeCsv.Parse(await admin.GetByteArrayAsync(done.GetProperty("downloadUrl").GetString()));
        Assert.Equal(Registrations, rows.Count);
        Assert.Equal(Registrations, rows.Select(r => r[0]).Distinct().Count());
        Assert.Equal(1, await database.ScalarAsync("SELECT count(DISTINCT lease_token) FROM job_file_chunks")); // the dead run's chunks are gone
    }

    private Dictionary<string, string> Settings() => HostSettings.For(database, AdminKey, new()
    {
        ["Pipeline:Pipelines:LeaseDuration"] = "00:00:03",
        ["Pipeline:Pipelines:PollInterval"] = "00:00:00.1",
        // Paced so the run is still going when the test kills its host, however fast the machine (6 s a run).
        ["Pipeline:Jobs:ExportRowsPerSecond"] = "10000",
    });
}
