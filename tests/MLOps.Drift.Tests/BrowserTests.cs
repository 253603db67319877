using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MLOps.Core;
using MLOps.Core.Security;
using MLOps.Drift.Alerts;
using MLOps.Drift.Web;
using MLOps.Drift.Window;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Drift.Tests;

/// <summary>The on-call page in headless Chromium (Debian's package, infra/local/chromium.sh) driven by Playwright.</summary>
public sealed class BrowserTests
{
    private static string? Chromium() =>
        new[] { Environment.GetEnvironmentVariable("MLOPS_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium" }
            .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p));

    [Fact]
    public async Task DriftPage_ShowsPlots_AndAcknowledgeChangesTheStatus()
    {
        var chromium = Chromium();
        if (chromium is null) Assert.Skip("Chromium is not installed (run infra/local/chromium.sh, or set MLOPS_CHROMIUM): browser test skipped.");
        var ct = TestContext.Current.CancellationToken;

        var store = TestEnvironment.NewFolderStore();
        await Synthetic.WriteAsync(store, 15, 1000, 5, Plant.GenreSurge | Plant.AccountCountries, driftFromDay: 14);
        var reference = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, 14), cancellationToken: ct);
        var report = await DriftChecker.CheckAsync(store, reference, DriftWindow.Days(Synthetic.Start.AddDays(14)), cancellationToken: ct);
        var alert = report.Alerts.First(a => a.Kind == AlertKind.AccountSharing);
        var admin = (await new ApiKeyStore(store).CreateAsync(ApiRole.Admin, "browser test", DateTimeOffset.UtcNow, ct)).Key;

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton<IBlobStore>(store);
        builder.AddMLOpsCore();
        builder.AddDrift();
        await using var app = builder.Build();
        app.MapDriftApi();
        await app.StartAsync(ct);
        var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox"] });
        var context = await browser.NewContextAsync(new() { ExtraHTTPHeaders = new Dictionary<string, string> { [ApiKeyAuthorization.Header] = admin } });
        var page = await context.NewPageAsync();
        var response = await page.GotoAsync($"{baseUrl}/drift");
        Assert.Equal(200, response!.Status);

        Assert.True(await page.Locator("svg.plot").CountAsync() >= 4, "expected histograms, PSI over time, volume and the alert timeline");
        Assert.True(await page.Locator("[data-testid='hist-genre'] rect.bar-current").CountAsync() > 0);
        Assert.Equal(1, await page.Locator("[data-testid='psi-over-time']").CountAsync());
        var status = page.Locator($"[data-testid='status-{alert.Id}']");
        Assert.Equal("open", (await status.TextContentAsync())?.Trim());

        var asked = new List<string>();   // the acknowledge button asks why (the runbook's --note), as resolve does
        page.Dialog += async (_, dialog) => { asked.Add(dialog.Message); await dialog.AcceptAsync("looking: genre share"); };
        await page.Locator($"button[data-action='acknowledge'][data-id='{alert.Id}']").ClickAsync();
        await Assertions.Expect(status).ToHaveTextAsync("acknowledged");
        await Assertions.Expect(page.Locator($"[data-testid='owner-{alert.Id}']")).ToContainTextAsync("browser test");
        await Assertions.Expect(page.Locator($"[data-testid='owner-{alert.Id}']")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@", \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$"));
        var stored = await new AlertStore(store).GetAsync(alert.Id, ct);
        Assert.Equal(AlertStatus.Acknowledged, stored!.Status);
        Assert.Contains("browser test", stored.History[^1].By);
        Assert.Equal("looking: genre share", stored.History[^1].Note);
        Assert.Equal(["Acknowledgement note (optional)"], asked);
        await app.StopAsync(ct);
    }
}
