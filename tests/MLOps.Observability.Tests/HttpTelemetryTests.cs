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
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [TelemetrySettings.ExporterKey] = "none" });
        builder.AddMLOpsTelemetry("mlops-http-test");
        var harness = new TelemetryHarness();
        harness.Attach(builder);
        await using var app = builder.Build();
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

        // The hosting layer stops a request's server span after the response has reached the test client, so on a busy
        // machine the last span can be exported a moment after the flush: wait for it (bounded) rather than race it.
        List<Activity> Spans() => harness.Activities.ToArray().Where(a => a.Kind == ActivityKind.Server && Equals(a.GetTagItem("http.route"), route)).ToList();
        var deadline = Environment.TickCount64 + 5_000;
        while (Spans().Count < 3 && Environment.TickCount64 < deadline) await Task.Delay(20, TestContext.Current.CancellationToken);
        var spans = Spans();
        Assert.True(spans.Count >= 3, $"expected 3 server spans on {route}, got {spans.Count}");
        Assert.DoesNotContain(harness.Activities, a => a.Kind == ActivityKind.Server && (a.GetTagItem("url.path") as string) == "/health");
        await app.StopAsync(TestContext.Current.CancellationToken);
    }
}
