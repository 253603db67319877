using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Core.Security;
using MLOps.Tests;

namespace MLOps.Serving.Tests;

/// <summary>
/// The registry, drift (API and pages) and orchestration routes carry the serving routes' headers (ServingResponseHeadersTests):
/// never stored by a cache, and the request's trace, on every status — on the local host and through the Functions host's path.
/// </summary>
public sealed class ApiResponseHeadersTests(ServingFixture fixture) : IClassFixture<ServingFixture>
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    public enum Key { None, Read, Admin }

    [Theory]
    [InlineData("GET", "/api/models", Key.Read, HttpStatusCode.OK)]
    [InlineData("GET", "/api/models/no-such-model", Key.Read, HttpStatusCode.NotFound)]
    [InlineData("GET", "/api/models", Key.None, HttpStatusCode.Unauthorized)]
    [InlineData("POST", "/api/models/no-such-model/rollback", Key.Read, HttpStatusCode.Forbidden)]
    [InlineData("GET", "/api/drift/alerts", Key.Read, HttpStatusCode.OK)]
    [InlineData("GET", "/api/drift/alerts?status=closed", Key.Read, HttpStatusCode.BadRequest)]
    [InlineData("GET", "/api/drift/alerts/no-such-alert", Key.None, HttpStatusCode.Unauthorized)]
    [InlineData("POST", "/api/drift/alerts/no-such-alert/acknowledge", Key.Admin, HttpStatusCode.NotFound)]
    [InlineData("GET", "/api/orchestrations/instances", Key.Read, HttpStatusCode.OK)]
    [InlineData("GET", "/api/orchestrations/instances/no-such-instance", Key.Read, HttpStatusCode.NotFound)]
    [InlineData("POST", "/api/orchestrations/instances/no-such-instance/terminate", Key.Read, HttpStatusCode.Forbidden)]
    [InlineData("GET", "/drift", Key.Read, HttpStatusCode.OK)]
    [InlineData("GET", "/drift", Key.None, HttpStatusCode.Unauthorized)]
    [InlineData("GET", "/drift/alerts/no-such-alert", Key.Read, HttpStatusCode.NotFound)]
    public async Task EveryResponse_IsNeverStored_AndNamesItsTrace(string method, string url, Key key, HttpStatusCode status)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        request.Headers.Add("traceparent", $"00-{TraceId}-b7ad6b7169203331-01");
        if (method == "POST") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");

        var response = await fixture.Client(key switch { Key.Read => fixture.ReadKey, Key.Admin => fixture.AdminKey, _ => null })
            .SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(status, response.StatusCode);
        Assert.True(response.Headers.CacheControl is { Private: true, NoStore: true }, $"Cache-Control: {response.Headers.CacheControl}");
        var trace = Assert.Single(response.Headers.GetValues("traceresponse"));
        Assert.Matches($"^00-{TraceId}-[0-9a-f]{{16}}-0[01]$", trace); // the caller's trace, the server's span
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
            Assert.Equal(trace, (await response.ReadAsync()).GetProperty("traceId").GetString());
    }

    /// <summary>
    /// Answers no endpoint (so no filter) runs for on the local host: routing's 404 (no route) and 405 (wrong method), the
    /// Accepts matcher's 415, RequestTargetLimit's 414. They had neither header; each is a problem naming its trace.
    /// </summary>
    [Theory]
    [InlineData("GET", "/api/nope", null, HttpStatusCode.NotFound)]
    [InlineData("GET", "/api/users/u3/recommendations/extra", null, HttpStatusCode.NotFound)]
    [InlineData("POST", "/api/users/u3/recommendations", null, HttpStatusCode.MethodNotAllowed)]
    [InlineData("DELETE", "/api/models", null, HttpStatusCode.MethodNotAllowed)]
    [InlineData("POST", "/api/models/no-such-model/promote", "text/plain", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("GET", "/api/search?q=", null, HttpStatusCode.RequestUriTooLong)]
    [InlineData("GET", "/drift/no/such/page", null, HttpStatusCode.NotFound)]
    public async Task RoutingAnswers_AreProblems_NeverStored_AndNameTheirTrace(string method, string url, string? contentType, HttpStatusCode status)
    {
        if (status == HttpStatusCode.RequestUriTooLong) url += new string('a', MLOps.Core.Http.RequestTargetLimit.MaxBytes);
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        request.Headers.Add("traceparent", $"00-{TraceId}-b7ad6b7169203331-01");
        if (contentType is not null) request.Content = new StringContent("x", Encoding.UTF8, contentType);

        var response = await fixture.Client(fixture.AdminKey).SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl is { Private: true, NoStore: true }, $"Cache-Control: {response.Headers.CacheControl}");
        var trace = Assert.Single(response.Headers.GetValues("traceresponse"));
        Assert.Matches($"^00-{TraceId}-[0-9a-f]{{16}}-0[01]$", trace);
        var problem = await response.ReadAsync();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Equal(trace, problem.GetProperty("traceId").GetString());
    }

    /// <summary>A store whose listing of the drift alerts fails: an exception no endpoint catches.</summary>
    private sealed class FailingAlertsStore(MLOps.Storage.IBlobStore inner) : DelegatingBlobStore(inner)
    {
        public override IAsyncEnumerable<MLOps.Storage.BlobInfo> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
            prefix.StartsWith(MLOps.Drift.Alerts.AlertStore.Folder, StringComparison.Ordinal)
                ? throw new IOException("the store is unreachable") : Inner.ListAsync(prefix, cancellationToken);
    }

    /// <summary>
    /// An unhandled exception: the exception handler's 500 problem clears the response's headers and sets its own
    /// Cache-Control (no-cache,no-store); UseApiResponseHeaders, first in the pipeline, still sends ours and the trace.
    /// </summary>
    [Theory]
    [InlineData("/api/drift/alerts")]
    [InlineData("/drift")]
    public async Task UnhandledException_IsAProblem_NeverStored_AndNamesItsTrace(string url)
    {
        var ct = TestContext.Current.CancellationToken;
        var faulty = new ServingFixture();
        faulty.ConfigureServices = services => services.AddSingleton<MLOps.Storage.IBlobStore>(new FailingAlertsStore(faulty.Store));
        await faulty.InitializeAsync();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Add("traceparent", $"00-{TraceId}-b7ad6b7169203331-01");

            var response = await faulty.Client(faulty.ReadKey).SendAsync(request, ct);

            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.True(response.Headers.CacheControl is { Private: true, NoStore: true }, $"Cache-Control: {response.Headers.CacheControl}");
            var trace = Assert.Single(response.Headers.GetValues("traceresponse"));
            Assert.Matches($"^00-{TraceId}-[0-9a-f]{{16}}-0[01]$", trace);
            var problem = await response.ReadAsync();
            Assert.Equal(500, problem.GetProperty("status").GetInt32());
            Assert.Equal(trace, problem.GetProperty("traceId").GetString());
            Assert.DoesNotContain("unreachable", problem.GetRawText()); // the exception's message stays in the log
        }
        finally { await faulty.DisposeAsync(); }
    }

    /// <summary>The probes and the document are not API answers: they stay as they were (no key, nothing per caller).</summary>
    [Theory]
    [InlineData("/health")]
    [InlineData("/openapi/v1.json")]
    public async Task Probes_AndTheDocument_CarryNoApiHeaders(string url)
    {
        var response = await fixture.Client().GetAsync(url, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("traceresponse"));
    }

    /// <summary>
    /// The Functions host runs the same endpoints (CoreEndpoints.Run), filters included. The worker's invocation activity
    /// stands in for the one the worker starts from the request's trace context.
    /// </summary>
    [Theory]
    [InlineData(nameof(MLOps.Functions.RegistryFunctions.ListModels), "/api/models", false, 401)]
    [InlineData(nameof(MLOps.Functions.RegistryFunctions.ListModels), "/api/models", true, 200)]
    [InlineData(nameof(MLOps.Functions.DriftFunctions.GetDriftAlert), "/api/drift/alerts/no-such-alert", true, 404)]
    [InlineData(nameof(MLOps.Functions.DriftFunctions.DriftPage), "/drift", false, 401)]
    [InlineData(nameof(MLOps.Functions.OrchestrationHttpFunctions.OrchestrationStatus), "/api/orchestrations/instances/no-such-instance", false, 401)]
    public async Task ThroughTheFunctionsHost_TheHeadersSurvive(string function, string url, bool withKey, int status)
    {
        var store = TestEnvironment.NewFolderStore("headers-fn");
        var key = (await new ApiKeyStore(store).CreateAsync(ApiRole.Read, "test", DateTimeOffset.UtcNow)).Key;
        await using var functions = await FunctionsHttpHost.StartAsync(store, start: false);
        using var invocation = new Activity("Invoke").SetParentId($"00-{TraceId}-b7ad6b7169203331-01").Start();

        var response = await functions.InvokeAsync(function, url, withKey ? key : null);

        Assert.Equal(status, response.Status);
        Assert.Equal("private, no-store", response.Headers.CacheControl.ToString());
        Assert.Equal(invocation.Id, response.Headers["traceresponse"].ToString());
    }
}
