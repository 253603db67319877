using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MLOps.Core;
using MLOps.Core.Http.Paging;
using MLOps.Core.Security;
using MLOps.Drift.Alerts;
using MLOps.Drift.Web;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Drift.Tests;

/// <summary>
/// <c>GET /api/drift/alerts?top=N</c> and <c>x-ms-continuation-token</c> (docs/drift.md, docs/interfaces.md "Paged
/// lists"). Until 2026-12-07 the route returned every alert: a year of daily checks answered thousands in one body.
/// </summary>
public sealed class DriftAlertPagingTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 3, 0, 0, TimeSpan.Zero);
    private readonly FolderBlobStore _store = TestEnvironment.NewFolderStore();
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _app = await DriftApiHost.StartAsync(_store);
        _client = _app.GetTestClient();
        _client.DefaultRequestHeaders.Add(ApiKeyAuthorization.Header, (await new ApiKeyStore(_store).CreateAsync(ApiRole.Read, "test", DateTimeOffset.UtcNow)).Key);
        // 11 alerts, three of them seen at the same time (ordered by id), one acknowledged (the status filter's own list).
        var alerts = new AlertStore(_store);
        for (var i = 0; i < 11; i++)
            await alerts.RecordAsync(new AlertCandidate(AlertKind.FeatureDrift, $"feature-{i:00}", AlertSeverity.Warning, $"Feature {i} drifted", "summary",
                new AlertEvidence { Psi = 0.3, Score = 0.2, Threshold = 0.1 }), i < 3 ? T0 : T0.AddHours(-i));
        var first = (await alerts.ListAsync()).First();
        await alerts.AcknowledgeAsync(first.Id, "ana", null, T0);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, string Body, string? Next)> GetAsync(string url, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (token is not null) request.Headers.TryAddWithoutValidation(ContinuationToken.Header, token);
        using var response = await _client.SendAsync(request, TestContext.Current.CancellationToken);
        var next = response.Headers.TryGetValues(ContinuationToken.Header, out var values) ? Assert.Single(values) : null;
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), next);
    }

    private static List<string> Ids(string body) =>
        [.. JsonDocument.Parse(body).RootElement.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("id").GetString()!)];

    [Theory]
    [InlineData("/api/drift/alerts", 1)]
    [InlineData("/api/drift/alerts", 3)]
    [InlineData("/api/drift/alerts", 10)]
    [InlineData("/api/drift/alerts", 11)]
    [InlineData("/api/drift/alerts?status=open", 4)]
    public async Task PagesOfK_GiveEveryAlertOnce_NewestFirst(string url, int top)
    {
        var everything = Ids((await GetAsync(url)).Body);
        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await GetAsync($"{url}{(url.Contains('?') ? '&' : '?')}top={top}", token);
            Assert.Equal(HttpStatusCode.OK, page.Status);
            var ids = Ids(page.Body);
            Assert.InRange(ids.Count, 1, top);
            seen.AddRange(ids);
            token = page.Next;
        }
        while (token is not null && seen.Count <= everything.Count);
        Assert.Equal(everything, seen);
        Assert.Equal(url.Contains("open") ? 10 : 11, everything.Count);
    }

    /// <summary>Without top the body is what the route answered before paging: the store's whole list, serialized as the host does.</summary>
    [Fact]
    public async Task WithoutTop_TheBodyIsTheWholeListAsBefore_AndNoToken()
    {
        var response = await GetAsync("/api/drift/alerts");
        var options = _app.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var expected = JsonSerializer.Serialize(new DriftApi.AlertList(await new AlertStore(_store).ListAsync()), options);

        Assert.Equal((HttpStatusCode.OK, expected, (string?)null), response);
    }

    [Fact]
    public async Task AnAlertRecordedBetweenPages_DoesNotShiftTheNextPage()
    {
        var first = await GetAsync("/api/drift/alerts?top=4");
        var second = await GetAsync("/api/drift/alerts?top=4", first.Next);
        await new AlertStore(_store).RecordAsync(new AlertCandidate(AlertKind.Volume, "events", AlertSeverity.Warning, "Volume", "summary",
            new AlertEvidence { Score = 1, Threshold = 0.5 }), T0.AddHours(1));

        Assert.Equal(second, await GetAsync("/api/drift/alerts?top=4", first.Next));
    }

    [Theory]
    [InlineData("?top=0")]
    [InlineData("?top=1001")]
    [InlineData("?top=ten")]
    public async Task BadTop_Is400NamingTop(string query)
    {
        var response = await GetAsync($"/api/drift/alerts{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("top", JsonDocument.Parse(response.Body).RootElement.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("tampered")]
    [InlineData("other-filter")]
    public async Task ATokenThisListDidNotIssue_Is400NamingTheHeader(string kind)
    {
        var token = (await GetAsync("/api/drift/alerts?top=2")).Next!;
        var (url, sent) = kind switch
        {
            "garbage" => ("/api/drift/alerts?top=2", "abc.def"),
            "tampered" => ("/api/drift/alerts?top=2", token[..3] + (token[3] == 'x' ? 'y' : 'x') + token[4..]),
            _ => ("/api/drift/alerts?status=open&top=2", token),
        };
        var response = await GetAsync(url, sent);
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal(ContinuationToken.Header, JsonDocument.Parse(response.Body).RootElement.GetProperty("field").GetString());
    }
}
