using Pipeline.Tests.Fakes;
using Pipeline.Tests.Storage;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Api.Payments;

/// <summary>A host in <c>Pipeline:Razorpay:Mode=Live</c> whose Orders API is <paramref name="orders"/>, with the given Razorpay keys.</summary>
internal static class LiveRazorpayApp
{
    public static PipelineApp Start(TestDatabase database, FakeRazorpayOrdersApi orders, string keyId, string keySecret, string webhookSecret)
    {
        var app = new PipelineApp(database, new Dictionary<string, string?>
        {
            ["Pipeline:Razorpay:Mode"] = "Live",
            ["Pipeline:Razorpay:BaseUrl"] = orders.BaseUrl,
            ["Pipeline:Razorpay:KeyId"] = keyId,
            ["Pipeline:Razorpay:KeySecret"] = keySecret,
            ["Pipeline:Razorpay:WebhookSecret"] = webhookSecret,
        });
        _ = app.Server;
        return app;
    }
}
