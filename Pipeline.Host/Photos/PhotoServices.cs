using Pipeline.Actors.Persistence;

namespace Pipeline.Host.Photos;

internal static class PhotoServices
{
    /// <summary>The image and member-photo stores (a ticket renderer takes <see cref="Pipeline.Actors.Photos.IMemberPhotos"/>), the decode gate and the variants.</summary>
    public static IServiceCollection AddPipelinePhotos(this IServiceCollection services)
    {
        services.AddSingleton(sp => sp.GetRequiredService<IStorage>().Images);
        services.AddSingleton(sp => sp.GetRequiredService<IStorage>().MemberPhotos);
        services.AddSingleton<ImageWorkGate>();
        services.AddSingleton<PhotoVariants>();
        return services;
    }
}
