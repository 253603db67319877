using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MLOps.Serving.Model;

namespace MLOps.Serving.Tests;

/// <summary>The ALERT line of a failed model load says what is served instead.</summary>
public sealed class ModelLoadFailureLogTests
{
    private const string Category = "MLOps.Serving.Model.ModelHost";

    [Fact]
    public async Task ChampionFailingAtStartup_SaysTrendingTitlesAreServed_NotAPreviousModel()
    {
        var capture = new LogCapture();
        var fixture = new ServingFixture { WaitForChampion = false };
        fixture.ConfigureServices = s =>
        {
            s.AddSingleton<ILoggerProvider>(capture);
            fixture.Models.Add("1", null); // its artifact is corrupt
        };
        await fixture.InitializeAsync();
        try
        {
            await ServingFixture.WaitUntilAsync(() => capture.Messages(Category, LogLevel.Error).Count > 0);
            var alert = capture.Messages(Category, LogLevel.Error)[0];
            Assert.StartsWith("ALERT: failed to load recommender version 1 (champion)", alert, StringComparison.Ordinal);
            Assert.Contains("serving trending titles", alert, StringComparison.Ordinal);
            Assert.DoesNotContain("previous model", alert, StringComparison.Ordinal);
        }
        finally { await fixture.DisposeAsync(); }
    }

    [Fact]
    public async Task PromotedVersionFailing_NamesTheVersionStillServed()
    {
        var capture = new LogCapture();
        var fixture = new ServingFixture { ConfigureServices = s => s.AddSingleton<ILoggerProvider>(capture) };
        await fixture.InitializeAsync();
        try
        {
            fixture.Models.Add("3", null);
            fixture.Models.Point("champion", "3");
            await ServingFixture.WaitUntilAsync(() => capture.Messages(Category, LogLevel.Error).Any(m => m.Contains("version 3", StringComparison.Ordinal)));
            var alert = capture.Messages(Category, LogLevel.Error).First(m => m.Contains("version 3", StringComparison.Ordinal));
            Assert.Contains("still serving recommender 1", alert, StringComparison.Ordinal);
        }
        finally { await fixture.DisposeAsync(); }
    }
}
