using System.Collections;
using System.Diagnostics;

namespace Pipeline.Host.Operations.Logging;

/// <summary>
/// The request's correlation id: the caller's <c>X-Correlation-Id</c> when it is at most 64 characters of
/// <c>[A-Za-z0-9._-]</c>, else a new one (the W3C trace id of the request's activity, so logs and traces meet).
/// </summary>
internal static class CorrelationId
{
    public const string Header = "X-Correlation-Id";
    public const string ScopeKey = "CorrelationId";
    public const int MaxLength = 64;

    private static readonly object ItemKey = new();

    public static string? Of(HttpContext context) => context.Items.TryGetValue(ItemKey, out var id) ? id as string : null;

    public static string Assign(HttpContext context)
    {
        var presented = context.Request.Headers[Header].ToString();
        var id = IsValid(presented) ? presented : New();
        context.Items[ItemKey] = id;
        return id;
    }

    public static bool IsValid(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength)
        {
            return false;
        }
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    private static string New() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.TraceId.ToHexString() : Guid.NewGuid().ToString("N");

    /// <summary>
    /// The logging scope: a list of one pair, which structured formatters (JSON console) write as a
    /// <c>CorrelationId</c> property, and whose text the simple formatter shows.
    /// </summary>
    public sealed class Scope(string id) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public KeyValuePair<string, object?> this[int index] =>
            index == 0 ? new(ScopeKey, id) : throw new ArgumentOutOfRangeException(nameof(index));

        public int Count => 1;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"{ScopeKey}:{id}";
    }
}
