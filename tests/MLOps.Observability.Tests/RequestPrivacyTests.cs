using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;

namespace MLOps.Observability.Tests;

/// <summary>A search's text and a user's id travel in the query string: no exported log line or span may carry them.</summary>
public sealed class RequestPrivacyTests
{
    [Fact]
    public async Task QueryStringValues_AreInNoExportedLogOrSpan()
    {
        var harness = new TelemetryHarness();
        await using var app = harness.BuildWebApp("mlops-privacy-test");
        app.MapGet("/api/search", (string q, string user) => TypedResults.Ok(new[] { "a" }));
        await app.StartAsync(TestContext.Current.CancellationToken);
        var secretText = "q" + Guid.NewGuid().ToString("N");
        var secretUser = "u" + Guid.NewGuid().ToString("N");

        (await app.GetTestClient().GetAsync($"/api/search?q={secretText}&user={secretUser}", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var span = Assert.Single(await harness.ServerSpansAsync(app.Services, "/api/search", 1));
        Assert.NotEmpty(harness.Logs); // the request was logged (routing's "Executed endpoint …"), just not its URL
        foreach (var text in harness.Logs.Select(l => $"{l.CategoryName} {l.FormattedMessage} {string.Join(" ", l.Attributes?.Select(a => $"{a.Key}={a.Value}") ?? [])}")
                     .Concat(span.TagObjects.Select(t => $"{t.Key}={t.Value}")))
        {
            Assert.DoesNotContain(secretText, text, StringComparison.Ordinal);
            Assert.DoesNotContain(secretUser, text, StringComparison.Ordinal);
        }
        await app.StopAsync(TestContext.Current.CancellationToken);
    }
}
