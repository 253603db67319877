using System.Text.Json;
using MLOps.Core.Http.Paging;
using MLOps.Core.Security;
using MLOps.Drift.Alerts;
using MLOps.Tests;

namespace MLOps.Serving.Tests;

/// <summary>
/// The paged alert list through the Functions host's path (trigger → CoreEndpoints → the core endpoint): the
/// continuation header reaches the response and is read from the request, as on the local host.
/// </summary>
public sealed class FunctionsPagingTests
{
    [Fact]
    public async Task AlertPages_CarryTheContinuationHeaderBothWays_ThroughTheFunction()
    {
        var store = TestEnvironment.NewFolderStore("paging-fn");
        var key = (await new ApiKeyStore(store).CreateAsync(ApiRole.Read, "test", DateTimeOffset.UtcNow)).Key;
        var alerts = new AlertStore(store);
        var t0 = new DateTimeOffset(2026, 12, 1, 3, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 5; i++)
            await alerts.RecordAsync(new AlertCandidate(AlertKind.FeatureDrift, $"feature-{i}", AlertSeverity.Warning, $"Feature {i} drifted", "summary",
                new AlertEvidence { Psi = 0.3, Score = 0.2, Threshold = 0.1 }), t0.AddHours(-i));
        await using var functions = await FunctionsHttpHost.StartAsync(store, start: false);
        const string list = nameof(MLOps.Functions.DriftFunctions.ListDriftAlerts);
        static List<string> Ids(FunctionsHttpHost.Response r) =>
            [.. JsonDocument.Parse(r.Body).RootElement.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("id").GetString()!)];

        var everything = await functions.InvokeAsync(list, "/api/drift/alerts", key);
        Assert.False(everything.Headers.ContainsKey(ContinuationToken.Header));
        var seen = new List<string>();
        var pages = 0;
        string? token = null;
        do
        {
            var page = await functions.InvokeAsync(list, "/api/drift/alerts?top=2", key,
                headers: token is null ? null : new Dictionary<string, string> { [ContinuationToken.Header] = token });
            Assert.Equal(200, page.Status);
            seen.AddRange(Ids(page));
            token = page.Headers[ContinuationToken.Header].FirstOrDefault();
            pages++;
        }
        while (token is not null && pages < 5);
        Assert.Equal(3, pages);
        Assert.Equal(Ids(everything), seen);

        var forged = await functions.InvokeAsync(list, "/api/drift/alerts?top=2", key, headers: new Dictionary<string, string> { [ContinuationToken.Header] = "forged" });
        Assert.Equal((400, "application/problem+json"), (forged.Status, forged.ContentType));
        Assert.Equal(ContinuationToken.Header, JsonDocument.Parse(forged.Body).RootElement.GetProperty("field").GetString());
    }
}
