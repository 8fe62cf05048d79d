using Microsoft.Extensions.Options;
using Pipeline.Actors.Persistence;
using Pipeline.Actors.Photos;
using Pipeline.Actors.ReadSide;
using Pipeline.Host.Configuration;
using Pipeline.Streams.Tickets;

namespace Pipeline.Host.Tickets;

internal static class TicketServices
{
    public static IServiceCollection AddPipelineTickets(this IServiceCollection services)
    {
        services.AddOptions<TicketOptions>().BindConfiguration(TicketOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TicketOptions>, TicketOptionsValidator>();
        services.AddSingleton(sp => new TicketToken(sp.GetRequiredService<IOptions<TicketOptions>>().Value.SigningKey));
        // The event straight from storage, not through the read-side catch-up: a ticket's registration comes from the
        // read side (or its item from the projection), and the event's creation precedes it in the journal, so the row is
        // there. Caught up, the first ticket of each event on a node waited for the projection, up to 3 s while it lagged
        // behind an ingestion, and two such waits held the whole tickets pipeline.
        services.AddSingleton(sp => new TicketComposer(
            sp.GetRequiredService<IStorage>().Events, sp.GetRequiredService<IMemberReadModel>(), sp.GetRequiredService<TicketToken>(),
            sp.GetRequiredService<IMemberPhotos>()));
        return services;
    }
}
