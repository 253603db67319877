namespace MLOps.Core.Http.Paging;

/// <summary>One page of a newest-first list, and the token for the next when more remain.</summary>
public sealed record ListPage<T>(IReadOnlyList<T> Items, string? Next)
{
    /// <summary>
    /// The items of <paramref name="ordered"/> (already in <see cref="PageKey"/> order) after <paramref name="after"/>, at
    /// most <paramref name="top"/> of them. Neither given: <paramref name="ordered"/> itself, unchanged.
    /// </summary>
    public static ListPage<T> Of(IReadOnlyList<T> ordered, Func<T, PageKey> keyOf, string scope, int? top, PageKey? after)
    {
        IReadOnlyList<T> rest = after is { } last ? ordered.Where(item => keyOf(item).Follows(last)).ToList() : ordered;
        if (top is not { } size || rest.Count <= size) return new(rest, null);
        var page = rest.Take(size).ToList();
        return new(page, ContinuationToken.Issue(scope, keyOf(page[^1])));
    }
}
