using System.Text.Json;
using Pipeline.Host.Api.Problems;

namespace Pipeline.Host.Api.Requests;

/// <summary>
/// A JSON object body read with a size cap and checked field by field, so every malformed, mistyped,
/// missing or out-of-range field is reported in one <c>validation_failed</c> problem with an <c>errors</c> map.
/// </summary>
internal sealed class JsonRequest
{
    public const int DefaultMaxBytes = 64 * 1024;

    private readonly JsonElement _root;
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    private JsonRequest(JsonElement root) => _root = root;

    public bool IsValid => _errors.Count == 0;

    /// <summary>Reads the body; on failure <paramref name="problem"/> is the response to send.</summary>
    public static async Task<(JsonRequest? Request, IResult? Problem)> ReadAsync(HttpRequest request, int maxBytes = DefaultMaxBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, ApiProblem.Validation("body", $"The body is larger than {maxBytes} bytes."));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return (null, ApiProblem.Validation("body", $"The body is larger than {maxBytes} bytes."));
            }
            buffer.Write(chunk, 0, read);
        }

        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, ApiProblem.Validation("body", "The body must be a JSON object."));
            }
            return (new JsonRequest(document.RootElement.Clone()), null);
        }
        catch (JsonException ex)
        {
            return (null, ApiProblem.Validation("body", $"The body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine})."));
        }
    }

    public string? String(string field, int maxLength, bool required = true)
    {
        if (!TryGet(field, required, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            return Error<string>(field, "must be a string.");
        }
        var text = value.GetString()!;
        if (required && string.IsNullOrWhiteSpace(text))
        {
            return Error<string>(field, "must not be empty.");
        }
        return text.Length > maxLength ? Error<string>(field, $"must be at most {maxLength} characters.") : text;
    }

    public long? Integer(string field, long min, long max, bool required = true)
    {
        if (!TryGet(field, required, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
        {
            return ErrorValue(field, "must be an integer.");
        }
        return number < min || number > max ? ErrorValue(field, $"must be between {min} and {max}.") : number;
    }

    public void AddError(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }
        list.Add(message);
    }

    public IResult Problem() => ApiProblem.Validation(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));

    private bool TryGet(string field, bool required, out JsonElement value)
    {
        if (_root.TryGetProperty(field, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }
        if (required)
        {
            AddError(field, "is required.");
        }
        return false;
    }

    private T? Error<T>(string field, string message) where T : class
    {
        AddError(field, message);
        return null;
    }

    private long? ErrorValue(string field, string message)
    {
        AddError(field, message);
        return null;
    }
}
