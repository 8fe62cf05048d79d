using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Pipeline.Host.Api.Problems;

namespace Pipeline.Host.Operations.RateLimiting;

/// <summary>
/// The contract's limits, as named policies of ASP.NET Core's rate limiting middleware that the endpoint
/// mappings attach with <c>RequireRateLimiting</c>. Other endpoints (admin calls, Razorpay's webhook, health,
/// metrics) carry no policy and are never limited.
/// </summary>
internal static class RateLimitingSetup
{
    public const string PublicReads = "public-reads";
    public const string PublicWrites = "public-writes";
    public const string BatchConsume = "batch-consume";

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddPipelineRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        services.AddSingleton<ClientKey>();
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>, ClientKey, TimeProvider>((options, limits, clients, time) =>
        {
            var l = limits.Value;
            options.AddPolicy(PublicReads, new ClientRateLimitPolicy(new SlidingWindow(l.PublicReadsPerMinute, Window, time), clients, time));
            options.AddPolicy(PublicWrites, new ClientRateLimitPolicy(new SlidingWindow(l.PublicWritesPerMinute, Window, time), clients, time));
            options.AddPolicy(BatchConsume, new ClientRateLimitPolicy(new SlidingWindow(l.BatchConsumePerMinute, Window, time), clients, time));
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = OnRejectedAsync;
        });
        services.AddRateLimiter(_ => { });
        return services;
    }

    /// <summary>Adds the middleware unless <c>Pipeline:RateLimits:Enabled</c> is false (then nothing is limited or counted).</summary>
    public static IApplicationBuilder UsePipelineRateLimiting(this IApplicationBuilder app)
    {
        return app.ApplicationServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.Enabled ? app.UseRateLimiter() : app;
    }

    /// <summary>429 problem with <c>code: rate_limited</c> and <c>Retry-After</c> in whole seconds (at least 1).</summary>
    private static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        http.RequestServices.GetService<Metrics.HostInstruments>()?.RecordRateLimited(http);
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Type = "https://pipeline.dev/problems/rate-limited",
                Title = "Too many requests.",
                Detail = $"This client's limit for these calls is reached; retry after {seconds} s.",
                Extensions = { ["code"] = ProblemCodes.RateLimited },
            },
        });
    }
}
