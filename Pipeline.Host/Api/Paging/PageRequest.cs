using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Pipeline.Host.Api.Problems;

namespace Pipeline.Host.Api.Paging;

/// <summary>
/// <c>?limit=</c> (1..200, default 50) and an opaque <c>cursor</c>. The cursor wraps a storage position so that
/// pages stay stable while rows are added; clients must not parse it.
/// </summary>
internal readonly record struct PageRequest(int Limit, long AfterPosition)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
    private const string Prefix = "p1:";

    public static bool TryParse(HttpRequest request, out PageRequest page, out IResult? problem)
    {
        page = default;
        problem = null;
        var errors = new Dictionary<string, string[]>();

        var limit = DefaultLimit;
        var limitText = request.Query["limit"].ToString();
        if (limitText.Length > 0 && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            errors["limit"] = [$"must be an integer between 1 and {MaxLimit}."];
        }

        long after = 0;
        var cursor = request.Query["cursor"].ToString();
        if (cursor.Length > 0 && !TryDecode(cursor, out after))
        {
            errors["cursor"] = ["is not a cursor this service issued."];
        }

        if (errors.Count > 0)
        {
            problem = ApiProblem.Validation(errors);
            return false;
        }
        page = new PageRequest(limit, after);
        return true;
    }

    public static string Encode(long position) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes(Prefix + position.ToString(CultureInfo.InvariantCulture)));

    private static bool TryDecode(string cursor, out long position)
    {
        position = 0;
        try
        {
            var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
            return text.StartsWith(Prefix, StringComparison.Ordinal)
                && long.TryParse(text.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out position);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
