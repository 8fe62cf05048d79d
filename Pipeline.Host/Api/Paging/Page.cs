namespace Pipeline.Host.Api.Paging;

/// <summary>The contract's list shape.</summary>
internal sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor)
{
    /// <summary>Builds a page from up to <c>limit + 1</c> rows: the extra row only says that another page exists.</summary>
    public static Page<T> From<TRow>(IReadOnlyList<TRow> rows, int limit, Func<TRow, long> position, Func<TRow, T> item)
    {
        var items = rows.Take(limit).Select(item).ToList();
        var next = rows.Count > limit ? PageRequest.Encode(position(rows[limit - 1])) : null;
        return new Page<T>(items, next);
    }
}
