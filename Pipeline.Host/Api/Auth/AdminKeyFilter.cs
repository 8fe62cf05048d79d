using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Pipeline.Host.Api.Problems;
using Pipeline.Host.Configuration;

namespace Pipeline.Host.Api.Auth;

/// <summary>
/// Admits a request only with <c>Authorization: Bearer {Pipeline:Admin:ApiKey}</c>. Both sides are hashed
/// first so the comparison takes the same time whatever the length or content of the presented key.
/// </summary>
internal sealed class AdminKeyFilter(IOptions<AdminOptions> options) : IEndpointFilter
{
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.ApiKey));

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        var presented = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : "";
        var actual = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        if (presented.Length == 0 || !CryptographicOperations.FixedTimeEquals(actual, _expected))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return ApiProblem.Create(StatusCodes.Status401Unauthorized, ProblemCodes.Unauthorized,
                "A valid admin key is required.", "Send Authorization: Bearer <admin key>.");
        }
        return await next(context);
    }
}
