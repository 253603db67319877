using System.Text;
using System.Text.Json;
using MLOps.Core;
using MLOps.Core.Data;
using MLOps.Drift.Alerts;
using MLOps.Drift.Window;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Drift.Tests;

/// <summary>
/// Serving's exposure log is serving's output, not the audience's input: it feeds prediction drift only. Counted as events,
/// serving at ExposureSampleRate=1 read as critical eventType drift (exposure 0 % → 100 %, PSI 18.4), dataset drift and a
/// retrain on every hourly DriftMonitor.
/// </summary>
public sealed class ExposureIsNotInputTests
{
    private const int ReferenceDays = 28;
    private const int EventsPerDay = 2000;
    private static readonly DateTimeOffset Now = new(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly WindowDay = Synthetic.DriftFrom(ReferenceDays);

    /// <summary>
    /// Exposures as serving writes them: no device or country, one user shown many lists in an hour, and (in the window)
    /// a title the catalogue does not have — each would be an input alert (nulls, event burst, unknown ids) if counted.
    /// </summary>
    private static async Task WriteExposuresAsync(IBlobStore store, DateOnly day, int users, int listsPerUser, string batch)
    {
        var text = new StringBuilder();
        var at = new DateTimeOffset(day.ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero);
        for (var u = 0; u < users; u++)
            for (var l = 0; l < listsPerUser; l++)
                for (var i = 0; i < 10; i++)
                    text.Append(JsonSerializer.Serialize(new ViewingEvent
                    {
                        EventId = $"x{day:yyyyMMdd}-{u}-{l}-{i}", UserId = $"u{u}", ContentId = i == 9 && u == 0 ? "not-in-catalogue" : $"c{(u + l + i) % 200}",
                        Timestamp = at.AddSeconds(l), EventType = EventType.Exposure, Score = 0.5 - i * 0.01, Model = "recommender v1",
                    }, StoreJson.Options)).Append('\n');
        await store.WriteTextAsync(StoreLayout.EventBatch(day, $"{StoreLayout.ExposureBatchPrefix}{batch}"), text.ToString(), cancellationToken: TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ExposureLog_InTheWindowAndTheReference_IsNeitherInputDriftNorVolumeQualityOrAccounts()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        await Synthetic.WriteAsync(store, ReferenceDays + 1, EventsPerDay, seed: 7);
        // A trickle in the reference period (the 1 % default), every user at full rate in the window: 20 lists of one user in one hour.
        for (var d = 0; d < ReferenceDays; d += 7) await WriteExposuresAsync(store, Synthetic.Start.AddDays(d), users: 5, listsPerUser: 1, "ref");
        await WriteExposuresAsync(store, WindowDay, users: 400, listsPerUser: 20, "window");

        var reference = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, ReferenceDays), cancellationToken: ct);
        Assert.DoesNotContain("exposure", reference.Feature(DriftFeatures.EventType)!.Categories!.Keys);
        Assert.Equal(ReferenceDays * EventsPerDay, reference.Events);
        Assert.Equal(0, reference.Feature(DriftFeatures.Device)!.Nulls);

        var report = await DriftChecker.CheckAsync(store, reference, DriftWindow.Days(WindowDay), time: new ManualClock(Now), cancellationToken: ct);
        // What is served may have shifted (prediction drift judges that); nothing about the audience's input did.
        var input = report.Alerts.Where(a => a.Kind != AlertKind.PredictionDrift).ToList();
        Assert.True(input.Count == 0, string.Join("\n", input.Select(a => $"{a.Kind} {a.Subject} {a.Severity}: {a.Summary}")));
        Assert.False(report.DatasetDrift);
        Assert.Equal(EventsPerDay, report.Quality.Events);
        Assert.Equal(400 * 20 * 10, report.Quality.Exposures);
        Assert.Equal(EventsPerDay, report.Volume.Events);
        Assert.Equal(0, report.Quality.UnknownContent);
        Assert.Empty(report.Accounts);
        var eventType = Assert.Single(report.Features, f => f.Name == DriftFeatures.EventType);
        Assert.DoesNotContain(eventType.Bins, b => b.Bin == "exposure");
        Assert.False(eventType.Drifted);
        Assert.Equal(0, Assert.Single(report.Features, f => f.Name == DriftFeatures.Device).CurrentNullShare);
        // Still what prediction drift reads.
        Assert.Equal(400 * 20 * 10, report.Served!.Exposures);
        Assert.Equal(400 * 20 * 10, report.Served.ScoredExposures);
    }

    [Fact]
    public async Task LatestWindow_IsTheLatestDayWithImportedEvents_NotADayHoldingOnlyServingsExposureLog()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        await Synthetic.WriteAsync(store, ReferenceDays + 1, EventsPerDay, seed: 7);
        // Serving keeps logging today, before today's import has arrived.
        await WriteExposuresAsync(store, WindowDay.AddDays(1), users: 50, listsPerUser: 1, "today");

        Assert.Equal(DriftWindow.Days(WindowDay), await WindowReader.LatestAsync(store, 1, ct));
        var reference = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, ReferenceDays), cancellationToken: ct);
        // A day of nothing but exposures would read as the audience vanishing: a critical volume drop, and a retrain.
        var report = await DriftChecker.CheckAsync(store, reference, time: new ManualClock(Now), cancellationToken: ct);
        Assert.Equal(DriftWindow.Days(WindowDay).ToString(), report.Window);
        Assert.DoesNotContain(report.Alerts, a => a.Kind == AlertKind.Volume);
    }

    [Fact]
    public async Task CachedChampionReference_OfTheOldFormat_IsComputedAgainOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        await Synthetic.WriteAsync(store, 10, 500, 3);
        await WriteExposuresAsync(store, Synthetic.Start.AddDays(2), users: 20, listsPerUser: 1, "ref");
        await store.WriteTextAsync("models/recommender/aliases/champion", """{"version":3}""", cancellationToken: ct);
        await store.WriteTextAsync("models/recommender/versions/3/manifest.json", """{"model":"recommender","version":3,"trainingSnapshotId":"snap-1"}""", cancellationToken: ct);
        await store.WriteTextAsync("features/snap-1/manifest.json", """{"cutoff":"2024-03-08T00:00:00Z"}""", cancellationToken: ct);
        // What a check before this change cached: no format, exposures counted as events.
        var old = (await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, 7), cancellationToken: ct)) with { Format = 0, Events = 7 * 500 + 200 };
        await DriftReferences.SaveAsync(store, "snap-1", old, ct);

        var reference = await DriftReferences.ChampionAsync(store, cancellationToken: ct);
        Assert.Equal(DriftReference.CurrentFormat, reference!.Format);
        Assert.Equal(7 * 500, reference.Events);
        Assert.Equal(DriftReference.CurrentFormat, (await DriftReferences.LoadAsync(store, "snap-1", ct))!.Format);
    }

    [Fact]
    public async Task EventBurst_OnDataWithoutCountriesOrDevices_SaysSo_InsteadOfEmptyBrackets()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        var at = new DateTimeOffset(2024, 3, 1, 3, 0, 0, TimeSpan.Zero);
        // MovieLens: ratings with neither country nor device.
        var text = new StringBuilder();
        for (var i = 0; i < 150; i++)
            text.Append(JsonSerializer.Serialize(new ViewingEvent { EventId = $"r{i}", UserId = "u-bot", ContentId = $"c{i}", Timestamp = at.AddSeconds(i), EventType = EventType.Rate, Rating = 4 }, StoreJson.Options)).Append('\n');
        await store.WriteTextAsync(StoreLayout.EventBatch(DateOnly.FromDateTime(at.UtcDateTime), "ml"), text.ToString(), cancellationToken: ct);

        var report = await DriftChecker.CheckAsync(store, null, time: new ManualClock(Now), cancellationToken: ct);
        var burst = Assert.Single(report.Alerts, a => a.Kind == AlertKind.EventBurst);
        Assert.Contains("account u-bot sent 150 events (the events carry no country or device).", burst.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("[]", burst.Summary, StringComparison.Ordinal);
    }
}
