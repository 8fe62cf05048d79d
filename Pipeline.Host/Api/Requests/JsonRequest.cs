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
    private readonly Dictionary<string, List<string>> _errors;
    private readonly string _path;

    private JsonRequest(JsonElement root, Dictionary<string, List<string>>? errors = null, string path = "")
    {
        _root = root;
        _errors = errors ?? new Dictionary<string, List<string>>(StringComparer.Ordinal);
        _path = path;
    }

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
        if (text.Any(char.IsControl))
        {
            // PostgreSQL cannot store NUL, and no name, id or key here has a reason to hold control characters.
            return Error<string>(field, "must not contain control characters.");
        }
        return text.Length > maxLength ? Error<string>(field, $"must be at most {maxLength} characters.") : text;
    }

    /// <summary>A required array of 1 to <paramref name="maxItems"/> non-empty strings, each checked as <see cref="String"/> checks one.</summary>
    public IReadOnlyList<string>? Strings(string field, int maxItems, int maxLength)
    {
        if (!TryGet(field, required: true, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            return Error<IReadOnlyList<string>>(field, "must be an array of strings.");
        }
        var length = value.GetArrayLength();
        if (length == 0 || length > maxItems)
        {
            return Error<IReadOnlyList<string>>(field, $"must hold 1 to {maxItems} strings.");
        }
        var items = new List<string>(length);
        foreach (var item in value.EnumerateArray())
        {
            var text = item.ValueKind == JsonValueKind.String ? item.GetString()! : "";
            if (string.IsNullOrWhiteSpace(text))
            {
                return Error<IReadOnlyList<string>>(field, "must hold only non-empty strings.");
            }
            if (text.Any(char.IsControl) || text.Length > maxLength)
            {
                return Error<IReadOnlyList<string>>(field, $"must hold strings of at most {maxLength} characters, without control characters.");
            }
            items.Add(text);
        }
        return items;
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

    /// <summary>A finite JSON number, integral or not; ranges are the caller's to check.</summary>
    public double? Number(string field, bool required = true)
    {
        if (!TryGet(field, required, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            AddError(field, "must be a number.");
            return null;
        }
        return number;
    }

    public bool? Boolean(string field, bool required = true)
    {
        if (!TryGet(field, required, out var value))
        {
            return null;
        }
        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            AddError(field, "must be true or false.");
            return null;
        }
        return value.GetBoolean();
    }

    /// <summary>An error for every field not in <paramref name="known"/>: where every field is optional, a misspelt one would otherwise do nothing, silently.</summary>
    public void OnlyFields(IReadOnlyCollection<string> known)
    {
        foreach (var property in _root.EnumerateObject().Where(p => !known.Contains(p.Name)))
        {
            AddError(property.Name, $"is not a known field; expected {string.Join(", ", known)}.");
        }
    }

    /// <summary>A required JSON object field, read with the same rules; its errors are named <c>field.child</c>.</summary>
    public JsonRequest? Object(string field)
    {
        if (!TryGet(field, required: true, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            AddError(field, "must be an object.");
            return null;
        }
        return new JsonRequest(value, _errors, _path + field + ".");
    }

    /// <summary>An ISO 8601 timestamp with an offset or <c>Z</c>, returned in UTC.</summary>
    public DateTimeOffset? Timestamp(string field)
    {
        var text = String(field, 64);
        if (text is null)
        {
            return null;
        }
        // RoundtripKind leaves a time without zone Unspecified: such a time means different instants to different readers.
        if (DateTime.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var parsed)
            && parsed.Kind != DateTimeKind.Unspecified
            && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at))
        {
            return at.ToUniversalTime();
        }
        AddError(field, "must be an ISO 8601 timestamp with a time zone, e.g. 2026-12-31T18:30:00Z.");
        return null;
    }

    public void AddError(string field, string message)
    {
        var name = _path + field;
        if (!_errors.TryGetValue(name, out var list))
        {
            _errors[name] = list = [];
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
