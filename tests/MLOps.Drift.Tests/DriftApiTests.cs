using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Core;
using MLOps.Core.Security;
using MLOps.Drift.Alerts;
using MLOps.Drift.Web;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Drift.Tests;

public sealed class DriftApiTests : IAsyncLifetime
{
    private readonly FolderBlobStore _store = TestEnvironment.NewFolderStore();
    private WebApplication _app = null!;
    private HttpClient _client = null!;
    private string _read = "", _admin = "", _alertId = "";

    public async ValueTask InitializeAsync()
    {
        _app = await DriftApiHost.StartAsync(_store);
        _client = _app.GetTestClient();
        var keys = new ApiKeyStore(_store);
        _read = (await keys.CreateAsync(ApiRole.Read, "test", DateTimeOffset.UtcNow)).Key;
        _admin = (await keys.CreateAsync(ApiRole.Admin, "on-call", DateTimeOffset.UtcNow)).Key;
        var alert = await new AlertStore(_store).RecordAsync(new AlertCandidate(AlertKind.FeatureDrift, "genre", AlertSeverity.Critical, "Feature 'genre' drifted", "summary",
            new AlertEvidence { Psi = 0.4, Score = 0.2, Threshold = 0.1, TopBins = [new("Horror", 0.1, 0.4, 0.41)] }), DateTimeOffset.UtcNow);
        _alertId = alert.Id;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    private HttpRequestMessage Request(HttpMethod method, string url, string? key, object? body = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (key is not null) request.Headers.Add(ApiKeyAuthorization.Header, key);
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }

    [Fact]
    public async Task ListAlerts_WithoutKey_Is401_WithReadKey_ListsOpenAlerts()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.SendAsync(Request(HttpMethod.Get, "/api/drift/alerts", null), ct)).StatusCode);
        var response = await _client.SendAsync(Request(HttpMethod.Get, "/api/drift/alerts?status=open", _read), ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        var alert = Assert.Single(doc.RootElement.GetProperty("alerts").EnumerateArray());
        Assert.Equal(_alertId, alert.GetProperty("id").GetString());
        Assert.Equal("open", alert.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ListAlerts_BadStatus_Is400NamingTheField()
    {
        var response = await _client.SendAsync(Request(HttpMethod.Get, "/api/drift/alerts?status=closed", _read), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("status", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Acknowledge_NeedsAdmin_ThenResolve_ThenConflict()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(HttpStatusCode.Forbidden, (await _client.SendAsync(Request(HttpMethod.Post, $"/api/drift/alerts/{_alertId}/acknowledge", _read, new { note = "x" }), ct)).StatusCode);
        var ack = await _client.SendAsync(Request(HttpMethod.Post, $"/api/drift/alerts/{_alertId}/acknowledge", _admin, new { note = "on it" }), ct);
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        var acked = await ack.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal("acknowledged", acked.GetProperty("status").GetString());
        Assert.Contains("on-call", acked.GetProperty("history")[1].GetProperty("by").GetString());
        // A name in the body is recorded beside the key that acted, never instead of it (no "drift check" spoofing).
        var resolve = await _client.SendAsync(Request(HttpMethod.Post, $"/api/drift/alerts/{_alertId}/resolve", _admin, new { note = "fixed", by = "drift check" }), ct);
        Assert.Equal(HttpStatusCode.OK, resolve.StatusCode);
        var resolvedBy = (await resolve.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("history")[2].GetProperty("by").GetString()!;
        Assert.StartsWith("drift check via key ", resolvedBy, StringComparison.Ordinal);
        Assert.Contains("on-call", resolvedBy);
        var conflict = await _client.SendAsync(Request(HttpMethod.Post, $"/api/drift/alerts/{_alertId}/acknowledge", _admin), ct);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        // Like every drift alert problem, it names the field: the alert's status is what does not allow it.
        Assert.Equal("status", (await conflict.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _client.SendAsync(Request(HttpMethod.Post, "/api/drift/alerts/nope/resolve", _admin), ct)).StatusCode);
    }

    [Theory]
    [InlineData("{\"note\": \"on it\"", "body", "not valid JSON")]
    [InlineData("{\"note\": 42}", "note", "note")]
    [InlineData("[\"on it\"]", "body", "JSON object")]
    [InlineData("on it", "body", "not valid JSON")]
    public async Task Acknowledge_WithABodyThatIsNotTheExpectedJson_Is400NamingTheField_AndChangesNothing(string body, string field, string detail)
    {
        var ct = TestContext.Current.CancellationToken;
        var request = Request(HttpMethod.Post, $"/api/drift/alerts/{_alertId}/acknowledge", _admin);
        request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        var response = await _client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Contains(detail, problem.GetProperty("detail").GetString());
        Assert.Equal(AlertStatus.Open, (await new AlertStore(_store).GetAsync(_alertId, ct))!.Status);
    }

    // Found by review: `by` and `note` took any text, so an admin key could write an escape sequence or a line break into
    // the history that `mlops drift alerts` and the host log print as they are (clear an on-call's screen, forge a line).
    [Theory]
    [InlineData("{\"by\": \"ana\\u001b[2J\\u001b[31mresolved by the CTO\"}", "by")]
    [InlineData("{\"note\": \"looking\\r\\nresolved by drift check\"}", "note")]
    [InlineData("{\"note\": \"ok\\u202Edesrever\"}", "note")]
    public async Task Acknowledge_WithControlCharactersInTheText_Is400NamingTheField_AndChangesNothing(string body, string field)
    {
        var ct = TestContext.Current.CancellationToken;
        var request = Request(HttpMethod.Post, $"/api/drift/alerts/{_alertId}/acknowledge", _admin);
        request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        var response = await _client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.StartsWith($"{field}: must be one line of printable text", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(AlertStatus.Open, (await new AlertStore(_store).GetAsync(_alertId, ct))!.Status);
    }

    /// <summary>A body in another declared type is refused before the key is looked at (the host's routing answers it) and changes nothing.</summary>
    [Theory]
    [InlineData("acknowledge", "text/plain", true)]
    [InlineData("resolve", "text/plain", true)]
    [InlineData("resolve", "application/x-www-form-urlencoded", false)]
    public async Task AlertAction_WithABodyThatIsNotDeclaredJson_Is415NamingTheContentType(string action, string contentType, bool withKey)
    {
        var ct = TestContext.Current.CancellationToken;
        var request = Request(HttpMethod.Post, $"/api/drift/alerts/{_alertId}/{action}", withKey ? _admin : null);
        request.Content = new StringContent("{\"note\": \"on it\"}", System.Text.Encoding.UTF8, contentType);

        var response = await _client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal("Content-Type", problem.GetProperty("field").GetString());
        Assert.Equal("Send the body as application/json.", problem.GetProperty("detail").GetString());
        Assert.Equal(AlertStatus.Open, (await new AlertStore(_store).GetAsync(_alertId, ct))!.Status);
    }

    [Fact]
    public async Task Acknowledge_WithoutABody_OrAnEmptyObject_Works()
    {
        var ct = TestContext.Current.CancellationToken;
        var ack = await _client.SendAsync(Request(HttpMethod.Post, $"/api/drift/alerts/{_alertId}/acknowledge", _admin), ct);
        var resolve = Request(HttpMethod.Post, $"/api/drift/alerts/{_alertId}/resolve", _admin);
        resolve.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");

        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(resolve, ct)).StatusCode);
    }

    [Fact]
    public async Task DriftPage_WithKey_IsSelfContainedHtmlWithPlots_WithoutKey_AsksForIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var denied = await _client.SendAsync(Request(HttpMethod.Get, "/drift", null), ct);
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Contains("API key", await denied.Content.ReadAsStringAsync(ct));
        var page = await _client.SendAsync(Request(HttpMethod.Get, "/drift", _read), ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync(ct);
        Assert.Contains("<svg", html);
        Assert.Contains(_alertId, html);
        Assert.DoesNotContain("<script src", html);
        Assert.DoesNotContain("http://cdn", html);
        var cookie = Request(HttpMethod.Get, $"/drift/alerts/{_alertId}", null);
        cookie.Headers.Add("Cookie", $"{DriftApi.KeyCookie}={_read}");
        var detail = await _client.SendAsync(cookie, ct);
        Assert.Equal(HttpStatusCode.OK, detail.StatusCode);
        Assert.Contains("Horror", await detail.Content.ReadAsStringAsync(ct));
    }

    // Found by review (curl -D - /drift against mlops serve): the pages came with no header at all, so another site could
    // frame the acknowledge / resolve buttons and proxies could keep the account findings; and the key form set its cookie
    // without Secure, so on Azure a browser sent the key in clear text with any http:// request before the https redirect.
    [Fact]
    public async Task DriftPages_AreNeverFramedCachedOrSniffed_AndTheKeyCookieIsSecureOverHttps()
    {
        var ct = TestContext.Current.CancellationToken;
        foreach (var (url, key) in new[] { ("/drift", _read), ("/drift", null), ($"/drift/alerts/{_alertId}", _read), ($"/drift/alerts/{_alertId}", null) })
        {
            var response = await _client.SendAsync(Request(HttpMethod.Get, url, key), ct);
            var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
            Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
            Assert.True(response.Headers.CacheControl?.NoStore, url);
        }
        var form = await (await _client.SendAsync(Request(HttpMethod.Get, "/drift", null), ct)).Content.ReadAsStringAsync(ct);
        Assert.Contains("SameSite=Strict'+(location.protocol==='https:'?';Secure':'')", form, StringComparison.Ordinal);
    }

    /// <summary>A stale link to an alert the store no longer holds was a JSON problem in the browser: it is a page with the way back.</summary>
    [Fact]
    public async Task AlertPage_OfAnUnknownId_IsAn404Page_WithTheWayBack()
    {
        var ct = TestContext.Current.CancellationToken;
        var response = await _client.SendAsync(Request(HttpMethod.Get, "/drift/alerts/no-such-alert", _read), ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var page = await response.Content.ReadAsStringAsync(ct);
        Assert.Contains("There is no drift alert <code>no-such-alert</code>", page, StringComparison.Ordinal);
        Assert.Contains("<a href=\"../../drift\">", page, StringComparison.Ordinal);
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        // The API keeps its problem.
        var api = await _client.SendAsync(Request(HttpMethod.Get, "/api/drift/alerts/no-such-alert", _read), ct);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
    }
}
