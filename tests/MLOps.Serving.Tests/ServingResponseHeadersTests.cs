using System.Net;

namespace MLOps.Serving.Tests;

/// <summary>
/// Headers an app meets on every serving response: no cache may store a keyed, per-user list (a CDN does not treat
/// x-api-key as credentials), and the trace id of the request, which a problem body carries too, on every status.
/// </summary>
public sealed class ServingResponseHeadersTests(ServingFixture fixture) : IClassFixture<ServingFixture>
{
    private const string TraceId = "0af7651916cd43dd8448eb211c80319c";

    [Theory]
    [InlineData("/api/users/u3/recommendations?k=3", true, HttpStatusCode.OK)]
    [InlineData("/api/users/u3/rows?rows=2&perRow=2", true, HttpStatusCode.OK)]
    [InlineData("/api/items/m1/similar?k=2", true, HttpStatusCode.OK)]
    [InlineData("/api/search?q=star&k=2", true, HttpStatusCode.OK)]
    [InlineData("/api/users/u3/recommendations?k=0", true, HttpStatusCode.BadRequest)]
    [InlineData("/api/items/no-such-title/similar", true, HttpStatusCode.NotFound)]
    [InlineData("/api/users/u3/recommendations", false, HttpStatusCode.Unauthorized)]
    public async Task EveryResponse_IsNeverStored_AndNamesItsTrace(string url, bool withKey, HttpStatusCode status)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("traceparent", $"00-{TraceId}-b7ad6b7169203331-01");

        var response = await fixture.Client(withKey ? fixture.ReadKey : null).SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(status, response.StatusCode);
        Assert.True(response.Headers.CacheControl is { Private: true, NoStore: true }, $"Cache-Control: {response.Headers.CacheControl}");
        var trace = Assert.Single(response.Headers.GetValues("traceresponse"));
        Assert.Matches($"^00-{TraceId}-[0-9a-f]{{16}}-0[01]$", trace); // the caller's trace, the server's span
        if (status != HttpStatusCode.OK)
            Assert.Equal(trace, (await response.ReadAsync()).GetProperty("traceId").GetString());
    }
}
