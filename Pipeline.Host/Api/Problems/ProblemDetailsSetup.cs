using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace Pipeline.Host.Api.Problems;

internal static class ProblemDetailsSetup
{
    /// <summary>
    /// Every error the framework produces (unknown route, wrong method, an exception) becomes problem JSON with a
    /// <c>code</c> and a <c>traceId</c>, and never carries exception details.
    /// </summary>
    public static IServiceCollection AddPipelineProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            problem.Extensions.Remove("exception");
            problem.Extensions["traceId"] = context.HttpContext.Features.Get<IHttpActivityFeature>()?.Activity.Id
                ?? context.HttpContext.TraceIdentifier;
            if (!problem.Extensions.ContainsKey("code"))
            {
                problem.Extensions["code"] = problem.Status switch
                {
                    StatusCodes.Status400BadRequest => ProblemCodes.ValidationFailed,
                    StatusCodes.Status401Unauthorized => ProblemCodes.Unauthorized,
                    StatusCodes.Status404NotFound => ProblemCodes.NotFound,
                    StatusCodes.Status405MethodNotAllowed => ProblemCodes.MethodNotAllowed,
                    StatusCodes.Status413PayloadTooLarge => ProblemCodes.PayloadTooLarge, // the server's own body limit
                    _ => ProblemCodes.InternalError,
                };
            }
            if (context.Exception is not null)
            {
                problem.Title = "An unexpected error occurred.";
                problem.Detail = "The error was logged; quote the traceId when reporting it.";
            }
        });
        services.AddExceptionHandler<UnhandledExceptionHandler>();
        return services;
    }

    /// <summary>Writes a bare problem for an unhandled exception (the default handler would do the same, but in Development shows details).</summary>
    private sealed class UnhandledExceptionHandler(IProblemDetailsService problems, ILogger<UnhandledExceptionHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is BadHttpRequestException bad)
            {
                httpContext.Response.StatusCode = bad.StatusCode;
                return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext });
            }
            if (exception is Pipeline.Host.Engine.EntityUnavailableException)
            {
                // The entity dropped the command at its deadline, or never got it: nothing was applied.
                logger.LogWarning("Unavailable on {Path}: {Reason}", httpContext.Request.Path, exception.Message);
                httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                httpContext.Response.Headers.RetryAfter = "1";
                return await problems.TryWriteAsync(new ProblemDetailsContext
                {
                    HttpContext = httpContext,
                    ProblemDetails =
                    {
                        Status = 503,
                        Title = "The resource could not be reached in time; nothing was applied.",
                        Detail = "Its node may have just left the cluster. Retry (with the same Idempotency-Key, if any).",
                        Extensions = { ["code"] = ProblemCodes.Unavailable },
                    },
                });
            }
            logger.LogError(exception, "Unhandled exception on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            httpContext.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                ProblemDetails = { Status = 500, Title = "An unexpected error occurred.", Extensions = { ["code"] = ProblemCodes.InternalError } },
            });
        }
    }
}
