using Microsoft.Extensions.Options;
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
        services.AddSingleton(sp => new TicketComposer(
            sp.GetRequiredService<IEventReadModel>(), sp.GetRequiredService<IMemberReadModel>(), sp.GetRequiredService<TicketToken>(),
            sp.GetRequiredService<IMemberPhotos>()));
        return services;
    }
}
