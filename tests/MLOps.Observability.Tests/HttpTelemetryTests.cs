using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using MLOps.Core;

namespace MLOps.Observability.Tests;

public sealed class HttpTelemetryTests
{
    [Fact]
    public async Task HttpRequest_ThroughAddMLOpsTelemetry_RecordsLatencyByRouteAndATrace()
    {
        var harness = new TelemetryHarness();
        await using var app = harness.BuildWebApp("mlops-http-test");
        var user = Guid.NewGuid().ToString("N");
        app.MapGet("/health", () => TypedResults.Ok(new { status = "ok" }));
        app.MapGet("/api/users/{id}/recommendations", (string id) =>
        {
            MLOpsMetrics.RecommendationsServed.Add(3, new KeyValuePair<string, object?>("user", id));
            return TypedResults.Ok(new[] { "a", "b", "c" });
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var client = app.GetTestClient();

        for (var i = 0; i < 3; i++)
            (await client.GetAsync($"/api/users/{user}/recommendations", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        (await client.GetAsync("/health", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        TelemetryHarness.Flush(app.Services);

        const string route = "/api/users/{id}/recommendations";
        var latency = harness.Points("http.server.request.duration", "http.route", route);
        Assert.NotEmpty(latency);
        Assert.True(latency.Sum(p => p.GetHistogramCount()) >= 3, "three requests on the route should be counted");
        Assert.Contains(latency, p => TelemetryHarness.Tag(p, "http.response.status_code") == "200");
        Assert.Equal(9, Assert.Single(harness.Points("mlops.recommendations.served", "user", user)).GetSumLong());

        var spans = await harness.ServerSpansAsync(app.Services, route, 3);
        Assert.True(spans.Count >= 3, $"expected 3 server spans on {route}, got {spans.Count}");
        Assert.DoesNotContain(harness.Activities, a => a.Kind == ActivityKind.Server && (a.GetTagItem("url.path") as string) == "/health");
        await app.StopAsync(TestContext.Current.CancellationToken);
    }
}
