using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MLOps.Core.Http.Paging;

/// <summary>
/// A list route's <c>top</c> query parameter (1–1000; absent: every item) and <c>x-ms-continuation-token</c> request
/// header, read by hand so a bad one is a 400 naming it on both hosts; and the header on the answer when more remain.
/// </summary>
public readonly record struct PageRequest(int? Top, PageKey? After)
{
    public const string TopParameter = "top";

    /// <summary>Largest page a caller may ask for.</summary>
    public const int MaxTop = 1000;

    /// <summary>The request's page, or the problem naming what is wrong with it. <paramref name="scope"/>: the list (route and filter) a token must belong to.</summary>
    public static ProblemHttpResult? TryRead(HttpRequest request, string scope, out PageRequest page)
    {
        page = default;
        int? top = null;
        if (request.Query.TryGetValue(TopParameter, out var topText))
        {
            if (topText.Count != 1 || !int.TryParse(topText[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > MaxTop)
                return JsonRequestBody.Problem(400, "Invalid page size", TopParameter, $"{TopParameter}: must be a whole number from 1 to {MaxTop}.");
            top = n;
        }
        PageKey? after = null;
        var token = request.Headers[ContinuationToken.Header];
        if (!string.IsNullOrEmpty(token.ToString()))
        {
            if (token.Count != 1 || !ContinuationToken.TryRead(token[0], scope, out var key))
                return JsonRequestBody.Problem(400, "Invalid continuation token", ContinuationToken.Header,
                    $"{ContinuationToken.Header}: not a token this list issued (send the header of the previous page unchanged, with the same filter; without it, the list starts at the newest).");
            after = key;
        }
        page = new PageRequest(top, after);
        return null;
    }

    /// <summary>Sets the response header when <paramref name="page"/> has a next page.</summary>
    public static void WriteNext<T>(HttpResponse response, ListPage<T> page)
    {
        if (page.Next is { } next) response.Headers[ContinuationToken.Header] = next;
    }
}
