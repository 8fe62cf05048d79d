using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Pipeline.Actors.Persistence.Sqlite;

/// <summary>
/// Names the uniqueness rule a SQLite error broke. SQLite reports the columns ("UNIQUE constraint failed: payments.payment_id"),
/// not the constraint, so the name is derived to match the one PostgreSQL reports for the same rule.
/// </summary>
internal static partial class SqliteConstraints
{
    private const int SqliteConstraint = 19;
    private const int PrimaryKey = 1555;
    private const int Unique = 2067;

    private static readonly Dictionary<string, string> Known = new(StringComparer.Ordinal)
    {
        ["payments.payment_id"] = "payments_pkey",
        ["orders.order_id"] = "orders_pkey",
        ["registrations.event_id, registrations.member_id"] = "registrations_event_member_key",
    };

    public static bool IsUniqueViolation(SqliteException ex) =>
        ex.SqliteErrorCode == SqliteConstraint && ex.SqliteExtendedErrorCode is PrimaryKey or Unique;

    /// <summary>The known name, else PostgreSQL's default <c>table_column_key</c>, else "unique".</summary>
    public static string Name(SqliteException ex)
    {
        var match = FailedColumns().Match(ex.Message);
        if (!match.Success)
        {
            return "unique";
        }
        var columns = match.Groups[1].Value.Trim();
        if (Known.TryGetValue(columns, out var known))
        {
            return known;
        }
        var parts = columns.Split(", ").Select(c => c.Split('.')).ToList();
        return $"{parts[0][0]}_{string.Join('_', parts.Select(p => p[^1]))}_key";
    }

    [GeneratedRegex(@"constraint failed: ([\w., ]+)", RegexOptions.CultureInvariant)]
    private static partial Regex FailedColumns();
}
