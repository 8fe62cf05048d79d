using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Pipeline.Actors.Entities.Registrations;
using Pipeline.Host.ReadSide;
using Pipeline.Streams.Tickets;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Tickets;

/// <summary>
/// The host's ticket composer reads the event straight from storage: a ticket's registration comes from the read side,
/// and the event's creation precedes it in the journal. Through the read-side catch-up, the first ticket of each event on
/// a node waited for the projection (up to 3 s while it lagged behind an ingestion), which held the tickets pipeline.
/// </summary>
public sealed class TicketComposerReadSideTests(PostgresTestDatabase database) : IClassFixture<PostgresTestDatabase>
{
    [Fact]
    public async Task A_ticket_is_drawn_without_waiting_for_the_read_side_to_catch_up()
    {
        await using var app = new PipelineApp(database);
        var flow = new PaymentScenario(app);
        var eventId = await flow.CreateEventAsync();
        var memberId = await flow.CreateMemberAsync();
        await app.ProjectedAsync();

        // Hold the projection: the checkpoint row locked, its next page cannot commit. Then a write on this node that the
        // read side has not applied, so a caught-up read would wait for the projection.
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var holding = await connection.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("SELECT 1 FROM projection_checkpoints FOR UPDATE", connection, holding))
        {
            await hold.ExecuteScalarAsync();
        }
        await flow.CreateMemberAsync("+919876500001");
        app.Services.GetRequiredService<ReadSideCatchUp>().Wrote();

        var now = DateTimeOffset.UtcNow;
        var registration = new RegistrationView("reg_composer", eventId, memberId, "paid", "order_composer", "pay_composer", 49900, "INR",
            now, null, "pending", null, null, 0, null, now);
        var render = app.Services.GetRequiredService<TicketComposer>().RenderAsync(registration, CancellationToken.None);
        var first = await Task.WhenAny(render, Task.Delay(TimeSpan.FromSeconds(2)));
        await holding.RollbackAsync();

        Assert.Same(render, first);
        Assert.NotNull(await render);
    }
}
