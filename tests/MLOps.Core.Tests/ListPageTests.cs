using Microsoft.AspNetCore.Http;
using MLOps.Core.Http.Paging;

namespace MLOps.Core.Tests;

/// <summary>
/// Paging a newest-first list by the last item's key (docs/interfaces.md, "Paged lists"): every item once, in order, for
/// any page size; a boundary that does not move when newer items arrive; tokens this list did not issue refused.
/// </summary>
public class ListPageTests
{
    private sealed record Item(DateTimeOffset At, string Id);

    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    // 23 items, several sharing a time (the id orders those), in the list's order.
    private static List<Item> Items() =>
        [.. Enumerable.Range(0, 23).Select(i => new Item(T0.AddMinutes(-(i / 3)), $"item-{(char)('a' + i % 3)}-{i:00}"))
            .OrderByDescending(i => i.At).ThenBy(i => i.Id, StringComparer.Ordinal)];

    private static PageKey KeyOf(Item item) => new(item.At, item.Id);

    private static List<Item> PageThrough(IReadOnlyList<Item> all, int top, string scope = "test")
    {
        var seen = new List<Item>();
        PageKey? after = null;
        for (var pages = 0; pages <= all.Count; pages++)
        {
            var page = ListPage<Item>.Of(all, KeyOf, scope, top, after);
            Assert.True(page.Items.Count <= top);
            seen.AddRange(page.Items);
            if (page.Next is null) return seen;
            Assert.True(ContinuationToken.TryRead(page.Next, scope, out var key));
            after = key;
        }
        throw new InvalidOperationException("paging did not end");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(22)]
    [InlineData(23)]
    [InlineData(1000)]
    public void PagesOfK_GiveEveryItemOnce_InTheListsOrder(int top)
    {
        var all = Items();
        Assert.Equal(all, PageThrough(all, top));
    }

    [Fact]
    public void NoTopNoToken_IsTheListItself_WithoutAToken()
    {
        var all = Items();
        var page = ListPage<Item>.Of(all, KeyOf, "test", null, null);
        Assert.Same(all, page.Items);
        Assert.Null(page.Next);
        Assert.Null(ListPage<Item>.Of(all, KeyOf, "test", all.Count, null).Next); // exactly the rest: no next page
    }

    /// <summary>An offset would shift the second page by the two new items; the key does not.</summary>
    [Fact]
    public void NewerItemsAddedBetweenPages_DoNotMoveTheBoundary_ARemovedLastItemNeither()
    {
        var all = Items();
        var first = ListPage<Item>.Of(all, KeyOf, "test", 5, null);
        Assert.True(ContinuationToken.TryRead(first.Next, "test", out var after));
        var expected = all.Skip(5).Take(5).ToList();

        List<Item> grown = [new(T0.AddMinutes(1), "new-1"), new(T0.AddMinutes(2), "new-2"), .. all];
        grown = [.. grown.OrderByDescending(i => i.At).ThenBy(i => i.Id, StringComparer.Ordinal)];
        Assert.Equal(expected, ListPage<Item>.Of(grown, KeyOf, "test", 5, after).Items);
        Assert.Equal(expected, ListPage<Item>.Of(all.Where(i => i != all[4]).ToList(), KeyOf, "test", 5, after).Items);
    }

    [Fact]
    public void Token_FromAnotherList_EditedOrMadeUp_IsRefused()
    {
        var token = ListPage<Item>.Of(Items(), KeyOf, "alerts:open", 3, null).Next!;
        Assert.True(ContinuationToken.TryRead(token, "alerts:open", out _));

        Assert.False(ContinuationToken.TryRead(token, "alerts:resolved", out _));
        var flipped = token[..4] + (token[4] == 'A' ? 'B' : 'A') + token[5..];
        Assert.False(ContinuationToken.TryRead(flipped, "alerts:open", out _));
        Assert.False(ContinuationToken.TryRead(token[..^1], "alerts:open", out _));
        Assert.False(ContinuationToken.TryRead(token + "=", "alerts:open", out _));
        Assert.False(ContinuationToken.TryRead("garbage", "alerts:open", out _));
        Assert.False(ContinuationToken.TryRead("", "alerts:open", out _));
        Assert.False(ContinuationToken.TryRead(new string('A', ContinuationToken.MaxLength + 1), "alerts:open", out _));
    }

    [Theory]
    [InlineData("?top=0")]
    [InlineData("?top=1001")]
    [InlineData("?top=abc")]
    [InlineData("?top=")]
    [InlineData("?top=+5")]
    [InlineData("?top=5&top=6")]
    public void BadTop_IsAProblemNamingTop(string query)
    {
        var request = new DefaultHttpContext().Request;
        request.QueryString = new QueryString(query);
        var problem = PageRequest.TryRead(request, "test", out _);
        Assert.NotNull(problem);
        Assert.Equal(400, problem.StatusCode);
        Assert.Equal("top", problem.ProblemDetails.Extensions["field"]);
    }

    [Fact]
    public void TopAndToken_AreRead_AGarbageTokenIsAProblemNamingTheHeader()
    {
        var token = ListPage<Item>.Of(Items(), KeyOf, "test", 3, null).Next!;
        var request = new DefaultHttpContext().Request;
        request.QueryString = new QueryString("?top=1000");
        request.Headers[ContinuationToken.Header] = token;
        Assert.Null(PageRequest.TryRead(request, "test", out var page));
        Assert.Equal(1000, page.Top);
        Assert.Equal(KeyOf(Items()[2]), page.After);

        request.Headers[ContinuationToken.Header] = "not-a-token";
        var problem = PageRequest.TryRead(request, "test", out _);
        Assert.Equal(400, problem?.StatusCode);
        Assert.Equal(ContinuationToken.Header, problem?.ProblemDetails.Extensions["field"]);
    }
}
