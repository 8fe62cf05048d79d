namespace Pipeline.Host.Api.Problems;

/// <summary>RFC 9457 problem responses with the contract's machine-readable <c>code</c>.</summary>
internal static class ApiProblem
{
    public static IResult Create(int status, string code, string title, string? detail = null, IDictionary<string, object?>? extensions = null)
    {
        var all = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>()) { ["code"] = code };
        return Results.Problem(
            statusCode: status,
            title: title,
            detail: detail,
            type: $"https://pipeline.dev/problems/{code.Replace('_', '-')}",
            extensions: all);
    }

    public static IResult Validation(IDictionary<string, string[]> errors, string? detail = null) =>
        Create(StatusCodes.Status400BadRequest, ProblemCodes.ValidationFailed, "The request is not valid.",
            detail ?? "See errors for each field.", new Dictionary<string, object?> { ["errors"] = errors });

    public static IResult Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] }, message);

    public static IResult NotFound(string code, string what) =>
        Create(StatusCodes.Status404NotFound, code, $"{what} was not found.");
}
