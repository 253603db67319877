using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Core;
using MLOps.Core.Security;
using MLOps.Registry;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Features.Tests;

public sealed class RegistryApiTests : IAsyncLifetime
{
    private readonly FolderBlobStore _store = TestEnvironment.NewFolderStore("api");
    private WebApplication _app = null!;
    private HttpClient _client = null!;
    private string _read = "", _admin = "";

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton<IBlobStore>(_store);
        builder.AddMLOpsCore();
        builder.AddRegistry();
        _app = builder.Build();
        _app.UseExceptionHandler();
        _app.UseStatusCodePages();
        _app.MapRegistryApi();
        await _app.StartAsync();
        _client = _app.GetTestClient();
        var keys = new ApiKeyStore(_store);
        _read = (await keys.CreateAsync(ApiRole.Read, "test", DateTimeOffset.UtcNow)).Key;
        _admin = (await keys.CreateAsync(ApiRole.Admin, "on-call", DateTimeOffset.UtcNow)).Key;
        var registry = _app.Services.GetRequiredService<ModelRegistry>();
        for (var v = 1; v <= 3; v++)
            await registry.RegisterAsync("recommender", new ModelVersionDraft { Type = "ease" }, new Dictionary<string, BinaryData> { ["m.bin"] = BinaryData.FromString("x") });
        await registry.PromoteAsync("recommender", 1, new PromoteRequest { By = "setup", Force = true });
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string? key, object? body = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (key is not null) request.Headers.Add(ApiKeyAuthorization.Header, key);
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (body is not null) request.Content = JsonContent.Create(body);
        return _client.SendAsync(request);
    }

    /// <summary>Routing answers a non-JSON body before the handler: that 415 had no field or detail, unlike every other rejection.</summary>
    [Theory]
    [InlineData("/api/models/recommender/promote")]
    [InlineData("/api/models/recommender/rollback")]
    public async Task PromoteOrRollback_NotJson_Is415NamingTheContentType(string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("{\"version\":2}", System.Text.Encoding.UTF8, "text/plain") };
        request.Headers.Add(ApiKeyAuthorization.Header, _admin);

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Content-Type", problem.GetProperty("field").GetString());
        Assert.Contains("application/json", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetModel_NeedsAKey_AndShowsAliases()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, "/api/models/recommender", null)).StatusCode);
        var response = await SendAsync(HttpMethod.Get, "/api/models/recommender", _read);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(1, json.GetProperty("aliases").GetProperty("champion").GetProperty("version").GetInt32());
        Assert.Equal(3, json.GetProperty("versions").GetArrayLength());
        // Each version's standing, as `mlops models list` shows it (docs/registry.md, "What a run registers").
        var standings = json.GetProperty("standings").EnumerateArray().Select(s => (s.GetProperty("version").GetInt32(), s.GetProperty("standing").GetString())).ToList();
        Assert.Equal(3, standings.Count);
        Assert.Equal((1, "champion"), standings[0]);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/api/models/nothing", _read)).StatusCode);
    }

    /// <summary>Retention deleted v3's artifact files (its record stays): promoting it, even forced, is a 409 naming reproduce.</summary>
    [Fact]
    public async Task Promote_AVersionWhoseArtifactWasPurged_Is409NamingVersionAndReproduce()
    {
        var registry = _app.Services.GetRequiredService<ModelRegistry>();
        Assert.Equal(1L, await registry.PurgeArtifactAsync("recommender", 3, "test"));

        var refused = await SendAsync(HttpMethod.Post, "/api/models/recommender/promote", _admin, new { version = 3, force = true, reason = "try" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("version", problem.GetProperty("field").GetString());
        Assert.Contains("mlops models reproduce 3", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, (await registry.GetChampionAsync())!.Version);
    }

    [Fact]
    public async Task Promote_NeedsAdmin_RefusesWithoutEvidence_ConflictsOnStaleETag_AndRollbackWorks()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/api/models/recommender/promote", _read, new { version = 2 })).StatusCode);
        var bad = await SendAsync(HttpMethod.Post, "/api/models/recommender/promote", _admin, new { });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("version", await bad.Content.ReadAsStringAsync());

        var refused = await SendAsync(HttpMethod.Post, "/api/models/recommender/promote", _admin, new { version = 2 });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("no promotion evidence", await refused.Content.ReadAsStringAsync());

        var model = JsonDocument.Parse(await (await SendAsync(HttpMethod.Get, "/api/models/recommender", _read)).Content.ReadAsStringAsync()).RootElement;
        var etag = model.GetProperty("aliases").GetProperty("champion").GetProperty("eTag").GetString();
        var promoted = await SendAsync(HttpMethod.Post, "/api/models/recommender/promote", _admin, new { version = 2, force = true, reason = "hotfix" }, etag);
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        var stale = await SendAsync(HttpMethod.Post, "/api/models/recommender/promote", _admin, new { version = 3, force = true }, etag);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);

        var rollback = await SendAsync(HttpMethod.Post, "/api/models/recommender/rollback", _admin, new { reason = "regression" });
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        var history = JsonDocument.Parse(await (await SendAsync(HttpMethod.Get, "/api/models/recommender/history?alias=champion", _read)).Content.ReadAsStringAsync()).RootElement;
        var actions = history.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(["promote", "promote", "rollback"], actions);
        Assert.Equal(1, (await _app.Services.GetRequiredService<ModelRegistry>().GetChampionAsync())!.Version);

        // A second engineer rolling back v2 too: the champion is no longer v2, so nothing is swapped back.
        var again = await SendAsync(HttpMethod.Post, "/api/models/recommender/rollback", _admin, new { reason = "regression", ifChampion = 2 });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("is v1, not v2", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, (await _app.Services.GetRequiredService<ModelRegistry>().GetChampionAsync())!.Version);
    }

    /// <summary>An optional name given blank is absent: a promotion with <c>"approvedBy": " "</c> recorded " " as its approver.</summary>
    [Fact]
    public async Task Promote_BlankApprovedBy_RecordsNoApprover()
    {
        var promoted = await SendAsync(HttpMethod.Post, "/api/models/recommender/promote", _admin, new { version = 2, force = true, approvedBy = " " });
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        var entry = (await _app.Services.GetRequiredService<ModelRegistry>().GetHistoryAsync("recommender", ModelAliases.Champion))[^1];
        Assert.Equal(2, entry.To);
        Assert.Null(entry.ApprovedBy);
    }

    /// <summary>
    /// A 409 names what the caller sent that no longer holds: <c>ifChampion</c> when the champion is another version,
    /// <c>If-Match</c> when the alias changed since that ETag was read. Found with curl against <c>mlops serve</c>: a
    /// rollback with <c>{"ifChampion": 2}</c> answered <c>field: "If-Match"</c>, a header the caller never sent.
    /// </summary>
    [Fact]
    public async Task Rollback_Conflict_NamesIfChampion_OrIfMatch_WhicheverDidNotHold()
    {
        var notChampion = await SendAsync(HttpMethod.Post, "/api/models/recommender/rollback", _admin, new { reason = "regression", ifChampion = 2 });
        Assert.Equal(HttpStatusCode.Conflict, notChampion.StatusCode);
        var problem = JsonDocument.Parse(await notChampion.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("ifChampion", problem.GetProperty("field").GetString());
        Assert.StartsWith("conflict: the champion of 'recommender' is v1, not v2", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var staleETag = await SendAsync(HttpMethod.Post, "/api/models/recommender/rollback", _admin, new { reason = "regression" }, "\"stale\"");
        Assert.Equal(HttpStatusCode.Conflict, staleETag.StatusCode);
        problem = JsonDocument.Parse(await staleETag.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("If-Match", problem.GetProperty("field").GetString());
        Assert.StartsWith("conflict:", problem.GetProperty("detail").GetString(), StringComparison.Ordinal); // as every registry conflict (docs/registry.md)
    }

    [Fact]
    public async Task History_At_IsParsed_OrRejectedNamingTheField()
    {
        var bad = await SendAsync(HttpMethod.Get, "/api/models/recommender/history?at=yesterday", _read);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Invalid field 'at'", problem.GetProperty("title").GetString());
        Assert.StartsWith("at:", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var now = await SendAsync(HttpMethod.Get, $"/api/models/recommender/history?at={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"))}", _read);
        Assert.Equal(HttpStatusCode.OK, now.StatusCode);
        var json = JsonDocument.Parse(await now.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((await _app.Services.GetRequiredService<ModelRegistry>().GetChampionAsync())!.Version, json.GetProperty("championAt").GetInt32());
        var before = JsonDocument.Parse(await (await SendAsync(HttpMethod.Get, "/api/models/recommender/history?at=2000-01-01", _read)).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(JsonValueKind.Null, before.GetProperty("championAt").ValueKind);
    }
    /// <summary>Every bad request is a problem naming its field, never the framework's bare 400 or a plain 404.</summary>
    [Theory]
    [InlineData("POST", "/api/models/recommender/promote", "{\"version\":", 400, "body")]
    [InlineData("POST", "/api/models/recommender/promote", "{\"version\":1.5}", 400, "version")]
    [InlineData("POST", "/api/models/recommender/promote", "{\"version\":\"2\"}", 400, "version")]
    [InlineData("POST", "/api/models/recommender/promote", "{\"version\":99999999999}", 400, "version")]
    [InlineData("POST", "/api/models/recommender/promote", "{\"force\":\"yes\",\"version\":2}", 400, "force")]
    [InlineData("POST", "/api/models/recommender/promote", "[1]", 400, "body")]
    [InlineData("POST", "/api/models/recommender/rollback", "{\"reason\":5}", 400, "reason")]
    [InlineData("POST", "/api/models/recommender/promote", "{\"version\":9}", 404, "version")]
    // Audited text is printed as it is by `models list|history`: no escape sequences or line breaks (found by review).
    [InlineData("POST", "/api/models/recommender/promote", "{\"version\":2,\"force\":true,\"reason\":\"hotfix\\n\\u001b[2Jrolled back by the CTO\"}", 400, "reason")]
    [InlineData("POST", "/api/models/recommender/promote", "{\"version\":2,\"force\":true,\"approvedBy\":\"eve\\r\\nana\"}", 400, "approvedBy")]
    [InlineData("POST", "/api/models/recommender/rollback", "{\"reason\":\"regression\\u0007\"}", 400, "reason")]
    // A reason given blank says nothing in the audit log: refused, as the CLI's --reason (rollback recorded "" until 2026-12-07).
    [InlineData("POST", "/api/models/recommender/rollback", "{\"reason\":\"\"}", 400, "reason")]
    [InlineData("POST", "/api/models/recommender/rollback", "{\"reason\":\"  \"}", 400, "reason")]
    [InlineData("POST", "/api/models/recommender/promote", "{\"version\":2,\"force\":true,\"reason\":\" \"}", 400, "reason")]
    [InlineData("GET", "/api/models/nope", null, 404, "name")]
    [InlineData("GET", "/api/models/nope/history", null, 404, "name")]
    [InlineData("GET", "/api/models/recommender/versions/abc", null, 400, "version")]
    [InlineData("GET", "/api/models/recommender/versions/7", null, 404, "version")]
    [InlineData("GET", "/api/models/recommender/history?alias=nope", null, 400, "alias")]
    [InlineData("GET", "/api/models/recommender/history?at=1&at=2", null, 400, "at")]
    [InlineData("GET", "/api/models/recommender/history?at=3/4", null, 400, "at")]
    public async Task BadRequests_AreProblemsNamingTheField(string method, string url, string? body, int status, string field)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        request.Headers.Add(ApiKeyAuthorization.Header, _admin);
        if (body is not null) request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        var response = await _client.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.DoesNotContain("(Parameter", problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("MLOps.", problem.GetProperty("detail").GetString()); // no .NET type names
        Assert.Equal(1, (await _app.Services.GetRequiredService<ModelRegistry>().GetChampionAsync())!.Version);
    }
}
