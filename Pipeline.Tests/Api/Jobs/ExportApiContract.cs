using System.Net;
using System.Text;
using System.Text.Json;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Streams.Jobs;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Api.Jobs;

public sealed class SqliteExportApiTests(AppFixture<SqliteTestDatabase> fixture) : ExportApiContract<SqliteTestDatabase>(fixture);

public sealed class PostgresExportApiTests(AppFixture<PostgresTestDatabase> fixture) : ExportApiContract<PostgresTestDatabase>(fixture);

/// <summary>
/// Attendee exports through HTTP on each storage: queued with <c>202</c>, run by the <c>jobs</c> pipeline, downloaded
/// as a file that a real CSV parser (or a JSON parser, line by line) reads back as the event's registrations.
/// </summary>
public abstract class ExportApiContract<TDatabase>(AppFixture<TDatabase> fixture) : IClassFixture<AppFixture<TDatabase>>
    where TDatabase : TestDatabase, new()
{
    private readonly PaymentScenario _scenario = new(fixture.App);
    private HttpClient Admin => _scenario.Admin;

    [Fact]
    public async Task A_CSV_export_of_all_registrations_parses_back_as_the_registrations_of_the_event_with_their_members()
    {
        var (eventId, members) = await SeedAsync(["Asha, Rao", "Ravi \"RK\" Kumar", "Zoë Ünal 名前", "=HYPERLINK(\"http://x\")"], paid: 3);

        var job = await ExportWhenDoneAsync(eventId, new { format = "csv", status = "all" });
        var download = await Admin.GetAsync(job.GetProperty("downloadUrl").GetString());

        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("text/csv; charset=utf-8", download.Content.Headers.ContentType!.ToString());
        Assert.Equal($"attachment; filename=\"registrations-{eventId}.csv\"", download.Content.Headers.ContentDisposition!.ToString());
        var (header, rows) = AttendeeCsv.Parse(await download.Content.ReadAsByteArrayAsync());
        Assert.Equal(
            ["registrationId", "memberId", "name", "phone", "email", "status", "amount", "currency", "paidAt", "checkedInAt", "ticketStatus"],
            header);
        var expected = await RegistrationsAsync(eventId, members);
        Assert.Equal(expected.Count, rows.Count);
        Assert.Equal(expected.Select(e => e.Id).Order(), rows.Select(r => r[0]).Order());
        foreach (var row in rows)
        {
            var (_, registration, member) = expected.Single(e => e.Id == row[0]);
            Assert.Equal(registration.GetProperty("memberId").GetString(), row[1]);
            Assert.Equal(Pipeline.Streams.Jobs.Exports.CsvAttendeeFormat.Neutralize(member.Name), row[2]);
            Assert.Equal(member.Phone, row[3]);
            Assert.Equal(member.Email, row[4]);
            Assert.Equal(registration.GetProperty("status").GetString(), row[5]);
            Assert.Equal(registration.GetProperty("amount").GetProperty("amount").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), row[6]);
            Assert.Equal(registration.GetProperty("amount").GetProperty("currency").GetString(), row[7]);
            Assert.Equal(registration.GetProperty("paidAt").ValueKind == JsonValueKind.Null ? "" : registration.GetProperty("paidAt").GetString(), row[8]);
            Assert.Equal("", row[9]);
            Assert.Equal(registration.GetProperty("ticket").GetProperty("status").GetString(), row[10]);
        }
        Assert.Equal(("completed", 4L, 4L), (job.GetProperty("status").GetString(),
            job.GetProperty("progress").GetProperty("done").GetInt64(), job.GetProperty("progress").GetProperty("total").GetInt64()));
    }

    [Fact]
    public async Task A_name_that_starts_like_a_formula_is_neutralised_in_the_CSV()
    {
        var (eventId, _) = await SeedAsync(["=cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "+1+1"], paid: 4);

        var job = await ExportWhenDoneAsync(eventId, new { });
        var (_, rows) = AttendeeCsv.Parse(await Admin.GetByteArrayAsync(job.GetProperty("downloadUrl").GetString()));

        Assert.Equal(["'+1+1", "'-2+3", "'=cmd|' /C calc'!A0", "'@SUM(1+1)"], rows.Select(r => r[2]).Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.StartsWith("+91", r[3], StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_NDJSON_export_of_paid_registrations_has_one_object_a_line_with_the_values_unchanged()
    {
        var (eventId, members) = await SeedAsync(["=1+2", "Priya", "Kiran"], paid: 2);

        var job = await ExportWhenDoneAsync(eventId, new { format = "ndjson", status = "paid", priority = "high" });
        var download = await Admin.GetAsync(job.GetProperty("downloadUrl").GetString());
        var text = await download.Content.ReadAsStringAsync();

        Assert.Equal("application/x-ndjson", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal($"attachment; filename=\"registrations-{eventId}.ndjson\"", download.Content.Headers.ContentDisposition!.ToString());
        Assert.Equal("high", job.GetProperty("priority").GetString());
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var paid = (await RegistrationsAsync(eventId, members)).Where(r => r.Registration.GetProperty("status").GetString() == "paid").ToList();
        Assert.Equal(paid.Select(p => p.Id).Order(), lines.Select(l => l.GetProperty("registrationId").GetString()).Order());
        foreach (var line in lines)
        {
            var (_, registration, member) = paid.Single(p => p.Id == line.GetProperty("registrationId").GetString());
            Assert.Equal(member.Name, line.GetProperty("name").GetString()); // NDJSON is data, not a spreadsheet: unchanged
            Assert.Equal(member.Phone, line.GetProperty("phone").GetString());
            Assert.Equal("paid", line.GetProperty("status").GetString());
            Assert.Equal(registration.GetProperty("amount").GetProperty("amount").GetInt64(), line.GetProperty("amount").GetInt64());
            Assert.Equal(registration.GetProperty("paidAt").GetString(), line.GetProperty("paidAt").GetString());
            Assert.Equal(JsonValueKind.Null, line.GetProperty("checkedInAt").ValueKind);
        }
    }

    [Fact]
    public async Task Bad_export_requests_are_400_with_the_field_named_and_queue_nothing()
    {
        var eventId = await _scenario.CreateEventAsync();
        var before = await JobCountAsync();

        var response = await Admin.PostJsonAsync($"/api/events/{eventId}/exports", new { format = "xlsx", priority = "urgent", colour = "red" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("format", out _));
        Assert.True(errors.TryGetProperty("priority", out _));
        Assert.True(errors.TryGetProperty("colour", out _));
        var malformed = await Admin.PostRawAsync($"/api/events/{eventId}/exports", "{\"format\":");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(before, await JobCountAsync());
    }

    [Fact]
    public async Task Unknown_events_and_jobs_are_404_and_a_job_not_yet_completed_is_409_job_not_ready()
    {
        var unknownEvent = await Admin.PostJsonAsync("/api/events/evt_missing/exports", new { });
        var unknownJob = await Admin.GetAsync("/api/jobs/job_missing");
        var unknownDownload = await Admin.GetAsync("/api/jobs/job_missing/download");
        var withoutKey = await _scenario.Public.GetAsync("/api/jobs");

        Assert.Equal((HttpStatusCode.NotFound, "event_not_found"), (unknownEvent.StatusCode, await CodeAsync(unknownEvent)));
        Assert.Equal((HttpStatusCode.NotFound, "job_not_found"), (unknownJob.StatusCode, await CodeAsync(unknownJob)));
        Assert.Equal((HttpStatusCode.NotFound, "job_not_found"), (unknownDownload.StatusCode, await CodeAsync(unknownDownload)));
        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);

        var eventId = await _scenario.CreateEventAsync();
        Assert.Equal(HttpStatusCode.OK, (await Admin.PutAsync("/api/admin/pipelines/jobs", Json(new { paused = true }))).StatusCode);
        try
        {
            var queued = await Admin.PostJsonAsync($"/api/events/{eventId}/exports", new { });
            Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
            var job = await queued.JsonAsync();
            Assert.Equal($"/api/jobs/{job.GetProperty("id").GetString()}", queued.Headers.Location!.ToString());
            Assert.Equal(("queued", JsonValueKind.Null), (job.GetProperty("status").GetString(), job.GetProperty("downloadUrl").ValueKind));

            var notReady = await Admin.GetAsync($"/api/jobs/{job.GetProperty("id").GetString()}/download");

            Assert.Equal((HttpStatusCode.Conflict, "job_not_ready"), (notReady.StatusCode, await CodeAsync(notReady)));
        }
        finally
        {
            await Admin.PutAsync("/api/admin/pipelines/jobs", Json(new { paused = false }));
        }
    }

    [Fact]
    public async Task Jobs_list_newest_first_page_by_cursor_filter_by_status_and_type_and_refuse_unknown_filters()
    {
        var eventId = await _scenario.CreateEventAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await ExportWhenDoneAsync(eventId, new { })).GetProperty("id").GetString()!);
        }

        var first = await (await Admin.GetAsync("/api/jobs?limit=2&type=export&status=completed")).JsonAsync();
        var second = await (await Admin.GetAsync($"/api/jobs?limit=2&type=export&status=completed&cursor={first.GetProperty("nextCursor").GetString()}")).JsonAsync();
        var badStatus = await Admin.GetAsync("/api/jobs?status=sleeping");
        var badType = await Admin.GetAsync("/api/jobs?type=import");

        var listed = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray())
            .Select(j => j.GetProperty("id").GetString()).ToList();
        Assert.Equal([ids[2], ids[1], ids[0]], listed.Take(3));
        Assert.All(first.GetProperty("items").EnumerateArray(), j => Assert.Equal("completed", j.GetProperty("status").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badType.StatusCode);
    }

    [Fact]
    public async Task The_jobs_pipeline_is_listed_with_its_settings_and_counters_and_tuned_live()
    {
        var tuned = await Admin.PutAsync("/api/admin/pipelines/jobs", Json(new { parallelism = 3 }));
        var list = await (await Admin.GetAsync("/api/admin/pipelines")).JsonAsync();
        await Admin.PutAsync("/api/admin/pipelines/jobs", Json(new { parallelism = 2 }));

        Assert.Equal(HttpStatusCode.OK, tuned.StatusCode);
        var jobs = list.GetProperty("pipelines").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "jobs");
        Assert.Equal(3, jobs.GetProperty("parallelism").GetInt32());
        Assert.False(jobs.GetProperty("paused").GetBoolean());
        Assert.Equal(JsonValueKind.Number, jobs.GetProperty("queueDepth").ValueKind);
        Assert.True(jobs.GetProperty("queue").TryGetProperty("leased", out _));
        Assert.Equal(JsonValueKind.Number, jobs.GetProperty("inFlight").ValueKind);
        Assert.Equal(JsonValueKind.Number, jobs.GetProperty("processed").ValueKind);
        Assert.Equal(JsonValueKind.Number, jobs.GetProperty("failed").ValueKind);
    }

    private sealed record Member(string Id, string Name, string Phone, string Email);

    /// <summary>An event with one registration per name; the first <paramref name="paid"/> are paid, the rest pending.</summary>
    private async Task<(string EventId, List<Member> Members)> SeedAsync(IReadOnlyList<string> names, int paid)
    {
        var eventId = await _scenario.CreateEventAsync();
        var members = new List<Member>();
        for (var i = 0; i < names.Count; i++)
        {
            var phone = $"+9198{Random.Shared.NextInt64(10_000_000, 99_999_999)}";
            var email = $"m{i}.{Guid.NewGuid():N}@example.com";
            var created = await Admin.PostJsonAsync("/api/members", new { name = names[i], phone, email });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var member = new Member((await created.JsonAsync()).GetProperty("id").GetString()!, names[i], phone, email);
            members.Add(member);
            var (orderId, _) = await _scenario.PlaceOrderAsync(eventId, member.Id);
            if (i < paid)
            {
                Assert.Equal(HttpStatusCode.OK, (await _scenario.ConfirmAsync(eventId, member.Id, orderId, PaymentScenario.NewPaymentId())).StatusCode);
            }
        }
        // Tickets of paid registrations are sent in the background (sandbox): wait until they settle, so the export and
        // the registrations read to check it see the same ticket status.
        Assert.True(await Eventually.HoldsAsync(async () =>
        {
            await fixture.App.ProjectedAsync();
            var page = await (await Admin.GetAsync($"/api/events/{eventId}/registrations?limit=200&status=paid")).JsonAsync();
            return page.GetProperty("items").EnumerateArray().All(r => r.GetProperty("ticket").GetProperty("status").GetString() != "pending");
        }, TimeSpan.FromSeconds(60)), "the paid registrations' tickets settle");
        return (eventId, members);
    }

    private async Task<List<(string Id, JsonElement Registration, Member Member)>> RegistrationsAsync(string eventId, List<Member> members)
    {
        var page = await (await Admin.GetAsync($"/api/events/{eventId}/registrations?limit=200")).JsonAsync();
        return page.GetProperty("items").EnumerateArray()
            .Select(r => (r.GetProperty("id").GetString()!, r, members.Single(m => m.Id == r.GetProperty("memberId").GetString())))
            .ToList();
    }

    private async Task<JsonElement> ExportWhenDoneAsync(string eventId, object body)
    {
        var response = await Admin.PostJsonAsync($"/api/events/{eventId}/exports", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        JsonElement job = default;
        Assert.True(await Eventually.HoldsAsync(async () =>
        {
            job = await (await Admin.GetAsync(location)).JsonAsync();
            return job.GetProperty("status").GetString() is "completed" or "failed";
        }, TimeSpan.FromSeconds(60)), "the export finishes");
        Assert.Equal("completed", job.GetProperty("status").GetString());
        return job;
    }

    private async Task<int> JobCountAsync() =>
        (await (await Admin.GetAsync("/api/jobs?limit=200")).JsonAsync()).GetProperty("items").GetArrayLength();

    private static async Task<string?> CodeAsync(HttpResponseMessage response) => (await response.JsonAsync()).GetProperty("code").GetString();

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}
