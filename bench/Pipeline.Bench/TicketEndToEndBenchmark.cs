using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Pipeline.Host.Payments;
using Pipeline.Tests.Fakes;
using Pipeline.Tests.Support;

namespace Pipeline.Bench;

/// <summary>
/// Time from a payment confirmation's response to the ticket message accepted by a local fake of the WhatsApp
/// Cloud API, through the real host process (render, upload, send, record), with the throttle raised.
/// </summary>
internal static class TicketEndToEndBenchmark
{
    private const string AdminKey = "bench-admin-key-0123456789";
    private const string KeySecret = "bench-razorpay-key-secret";

    public static async Task RunAsync(int count)
    {
        await using var graph = await FakeGraphApi.StartAsync();
        var workingDirectory = Directory.CreateTempSubdirectory("pipeline-bench-").FullName;
        var postgres = Environment.GetEnvironmentVariable("PIPELINE_BENCH_POSTGRES");
        var settings = new Dictionary<string, string>
        {
            ["Pipeline:Storage:Provider"] = postgres is null ? "Sqlite" : "Postgres",
            ["Pipeline:Storage:ConnectionString"] = postgres ?? $"Data Source={Path.Combine(workingDirectory, "bench.db")}",
            ["Pipeline:Admin:ApiKey"] = AdminKey,
            ["Pipeline:Razorpay:KeySecret"] = KeySecret,
            ["Pipeline:Razorpay:WebhookSecret"] = "bench-webhook-secret",
            ["Pipeline:Tickets:SigningKey"] = "bench-ticket-signing-key-0123456789",
            ["Pipeline:RateLimits:Enabled"] = "false",
            ["Pipeline:WhatsApp:BaseUrl"] = graph.BaseUrl,
            ["Pipeline:WhatsApp:PhoneNumberId"] = FakeGraphApi.PhoneNumberId,
            ["Pipeline:WhatsApp:AccessToken"] = FakeGraphApi.AccessToken,
            ["Pipeline:Pipelines:PollInterval"] = "00:00:00.02",
            ["Pipeline:Pipelines:whatsapp:RatePerSecond"] = "10000",
            ["Pipeline:Pipelines:whatsapp:Parallelism"] = "32",
            ["Pipeline:Pipelines:tickets:RatePerSecond"] = "10000",
            ["Pipeline:Pipelines:tickets:Parallelism"] = "2",
        };
        await using var host = await HostProcess.StartAsync(settings, workingDirectory);
        using var client = host.CreateClient(AdminKey);

        var eventId = await IdAsync(client, "/api/events", new
        {
            name = "Bench Conf", venue = "Pune", startsAt = "2027-03-01T09:00:00Z", fee = new { amount = 49900, currency = "INR" },
        });
        var confirmedAt = new ConcurrentDictionary<string, long>();
        var total = Stopwatch.StartNew();
        // One confirmation at a time: the figure is the pipeline's latency, not a queue behind a burst.
        for (var i = 0; i < count; i++)
        {
            var phone = $"+9180{i:D8}";
            var memberId = await IdAsync(client, "/api/members", new { name = $"Bench {i}", phone });
            var order = await (await client.PostAsJsonAsync($"/api/public/events/{eventId}/orders", new { memberId })).Content.ReadFromJsonAsync<JsonElement>();
            var orderId = order.GetProperty("orderId").GetString()!;
            var paymentId = $"pay_bench{i:D8}";
            var confirm = await client.PostAsJsonAsync($"/api/public/events/{eventId}/confirm-payment", new Dictionary<string, string>
            {
                ["memberId"] = memberId,
                ["razorpay_order_id"] = orderId,
                ["razorpay_payment_id"] = paymentId,
                ["razorpay_signature"] = RazorpaySignature.ForPayment(KeySecret, orderId, paymentId),
            });
            confirm.EnsureSuccessStatusCode();
            confirmedAt[phone.TrimStart('+')] = Stopwatch.GetTimestamp();
            await Task.Delay(20);
        }

        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (graph.Messages.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        var latencies = graph.Messages
            .Where(m => confirmedAt.ContainsKey(m.To))
            .Select(m => Stopwatch.GetElapsedTime(confirmedAt[m.To], m.AcceptedAt).TotalMilliseconds)
            .Order()
            .ToList();
        Console.WriteLine($"e2e: {latencies.Count}/{count} tickets accepted by the fake in {total.Elapsed.TotalSeconds:F1} s; " +
                          $"confirmation -> message accepted: p50 {Percentile(latencies, 0.50):F0} ms, p99 {Percentile(latencies, 0.99):F0} ms, " +
                          $"max {latencies.LastOrDefault():F0} ms ({settings["Pipeline:Storage:Provider"]})");
        Directory.Delete(workingDirectory, recursive: true);
    }

    private static async Task<string> IdAsync(HttpClient client, string path, object body)
    {
        var response = await client.PostAsJsonAsync(path, body);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
