using Microsoft.Extensions.Options;
using Pipeline.Host.Configuration;

namespace Pipeline.Host.Payments;

internal static class PaymentServices
{
    public static IServiceCollection AddPipelinePayments(this IServiceCollection services)
    {
        services.AddOptions<RazorpayOptions>().BindConfiguration(RazorpayOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RazorpayOptions>, RazorpayOptionsValidator>();
        services.AddHttpClient<RazorpayOrderGateway>();
        services.AddSingleton<SandboxOrderGateway>();
        services.AddTransient<IOrderGateway>(sp => sp.GetRequiredService<IOptions<RazorpayOptions>>().Value.IsLive
            ? sp.GetRequiredService<RazorpayOrderGateway>()
            : sp.GetRequiredService<SandboxOrderGateway>());
        services.AddSingleton(sp => sp.GetRequiredService<Pipeline.Actors.Persistence.IStorage>().PaymentClaims);
        services.AddSingleton<PaymentLookups>();
        services.AddSingleton<PaymentConfirmer>();
        services.AddSingleton<CapturedPaymentHandler>();
        services.AddSingleton<PaymentIngestion>();
        services.AddSingleton<RecentIds>();
        return services;
    }
}
