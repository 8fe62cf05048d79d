using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Operations.Tracing;

/// <summary>
/// The traces a payment makes, caught by OpenTelemetry's in-memory exporter on a real host: the confirmation's request
/// with its entity ask beneath it, and the ticket's WhatsApp send, run later from the work queue, in a trace of its own.
/// Storage plays no part in what is traced, so SQLite only.
/// </summary>
public sealed class PaymentTraceTests : IAsyncLifetime
{
    private const string ConfirmRoute = "/api/public/events/{eventId}/confirm-payment";
    private readonly SqliteTestDatabase _database = new();
    private readonly LockedCollection<Activity> _exported = new();
    private PipelineApp _app = null!;
    private PaymentScenario _flow = null!;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        // What an OTLP endpoint would turn on, with an in-memory exporter in its place.
        _app = new PipelineApp(_database)
        {
            TestServices = services => services.AddOpenTelemetry().WithTracing(tracing => tracing.AddInMemoryExporter(_exported)),
        };
        _flow = new PaymentScenario(_app);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task A_confirmations_request_is_one_trace_that_includes_its_entity_asks_and_its_ticket_send_starts_its_own()
    {
        var eventId = await _flow.CreateEventAsync();
        var memberId = await _flow.CreateMemberAsync();
        var (orderId, registrationId) = await _flow.PlaceOrderAsync(eventId, memberId);

        Assert.Equal(HttpStatusCode.OK, (await _flow.ConfirmAsync(eventId, memberId, orderId, PaymentScenario.NewPaymentId())).StatusCode);

        // The server's activity ends just after the response is written: wait for it. ASP.NET Core's activities are seen
        // by every tracer in the process, so other test classes' confirmations may be exported here too: ours is the
        // confirmation whose trace asks this registration.
        var key = $"{eventId}/{memberId}";
        Activity? request = null;
        Assert.True(await Eventually.HoldsAsync(() =>
        {
            var exported = _exported.Snapshot();
            var asked = exported.Where(a => a.DisplayName == "entity ask Registration" && (string?)a.GetTagItem("pipeline.entity.key") == key)
                .Select(a => a.TraceId).ToHashSet();
            request = exported.SingleOrDefault(a =>
                a.Kind == ActivityKind.Server && (string?)a.GetTagItem("http.route") == ConfirmRoute && asked.Contains(a.TraceId));
            return request is not null;
        }), "the confirmation's request is traced");
        var trace = _exported.Snapshot().Where(a => a.TraceId == request!.TraceId).ToDictionary(a => a.SpanId);
        // A first confirmation: the registration's check (would it record the payment?), then, after the claim, the confirmation.
        var asks = trace.Values.Where(a => a.DisplayName == "entity ask Registration").OrderBy(a => a.StartTimeUtc).ToList();
        Assert.Equal(["CheckPayment", "ConfirmPayment"], asks.Select(a => (string?)a.GetTagItem("pipeline.command")));
        foreach (var ask in asks)
        {
            Assert.Equal(key, ask.GetTagItem("pipeline.entity.key")); // a registration is keyed by event and member
            Assert.Equal(ActivityStatusCode.Unset, ask.Status);
            // Beneath the request: its parents lead to the request's activity.
            var parent = ask;
            while (parent.ParentSpanId != request!.SpanId)
            {
                Assert.True(trace.TryGetValue(parent.ParentSpanId, out parent), "every parent of the ask is in the request's trace");
            }
        }

        Activity? send = null;
        Assert.True(await Eventually.HoldsAsync(() => (send = _exported.Snapshot().SingleOrDefault(a =>
            a.DisplayName == "whatsapp send" && (string?)a.GetTagItem("pipeline.ticket.file") == $"ticket-{registrationId}.pdf")) is not null,
            TimeSpan.FromSeconds(30)), "the ticket's send is traced");
        Assert.NotEqual(request!.TraceId, send!.TraceId); // started from the work queue: a trace per item
    }

    /// <summary>The exporter adds from the threads that end activities; the test reads a copy.</summary>
    private sealed class LockedCollection<T> : Collection<T>
    {
        private readonly Lock _lock = new();

        public T[] Snapshot()
        {
            lock (_lock)
            {
                return [.. Items];
            }
        }

        protected override void InsertItem(int index, T item)
        {
            lock (_lock)
            {
                base.InsertItem(index, item);
            }
        }
    }
}
