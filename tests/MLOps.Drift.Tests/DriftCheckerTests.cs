using System.Globalization;
using MLOps.Drift.Alerts;
using MLOps.Drift.Window;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Drift.Tests;

/// <summary>Planted shifts from day D are detected in the first window after D, naming the feature or account; stationary data raises nothing.</summary>
public sealed class DriftCheckerTests
{
    private const int ReferenceDays = 28;
    private const int EventsPerDay = 2000;
    private static readonly DateTimeOffset Now = new(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static async Task<(IBlobStore Store, DriftReference Reference, DriftWindow Window)> ArrangeAsync(Plant plant, int seed = 7)
    {
        var store = TestEnvironment.NewFolderStore();
        await Synthetic.WriteAsync(store, ReferenceDays + 1, EventsPerDay, seed, plant, driftFromDay: ReferenceDays);
        var reference = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, ReferenceDays), cancellationToken: TestContext.Current.CancellationToken);
        return (store, reference, DriftWindow.Days(Synthetic.DriftFrom(ReferenceDays)));
    }

    private static Task<DriftReport> CheckAsync(IBlobStore store, DriftReference? reference, DriftWindow window) =>
        DriftChecker.CheckAsync(store, reference, window, time: new ManualClock(Now), cancellationToken: TestContext.Current.CancellationToken);

    [Fact]
    public async Task GenreSurge_IsDetected_NamingGenreAndTheSurgingCategory()
    {
        var (store, reference, window) = await ArrangeAsync(Plant.GenreSurge);
        var report = await CheckAsync(store, reference, window);
        var genre = Assert.Single(report.Features, f => f.Name == "genre");
        Assert.True(genre.Drifted);
        Assert.Equal("jensenshannon", genre.Method);
        var alert = Assert.Single(report.Alerts, a => a.Kind == AlertKind.FeatureDrift && a.Subject == "genre");
        Assert.Contains(alert.Severity, new[] { AlertSeverity.Warning, AlertSeverity.Critical });
        Assert.Equal("Horror", alert.Evidence.TopBins![0].Bin);
        Assert.False(report.DatasetDrift);
        Assert.DoesNotContain(report.Alerts, a => a.Kind == AlertKind.Volume || a.Subject is "viewSeconds" or "country" or "device");
    }

    /// <summary>
    /// A feature alert's "statistic" fact is the test statistic (χ² for chi-square, D for KS) when a statistical test judged
    /// the feature; a distance method has none, and the fact is left out (it read "statistic": "").
    /// </summary>
    [Theory]
    [InlineData(EventsPerDay, "jensenshannon")]
    [InlineData(500, "chisquare")]
    public async Task GenreAlert_StatisticFact_IsTheTestStatistic_OrAbsent(int eventsPerDay, string method)
    {
        var store = TestEnvironment.NewFolderStore();
        await Synthetic.WriteAsync(store, ReferenceDays + 1, eventsPerDay, 7, Plant.GenreSurge, driftFromDay: ReferenceDays);
        var reference = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, ReferenceDays), cancellationToken: TestContext.Current.CancellationToken);
        var report = await CheckAsync(store, reference, DriftWindow.Days(Synthetic.DriftFrom(ReferenceDays)));
        var genre = Assert.Single(report.Features, f => f.Name == "genre");
        Assert.Equal(method, genre.Method);
        var facts = Assert.Single(report.Alerts, a => a.Kind == AlertKind.FeatureDrift && a.Subject == "genre").Evidence.Facts!;
        if (genre.Statistic is { } statistic) Assert.Equal(DriftChecker.Fmt(statistic), facts["statistic"]);
        else Assert.DoesNotContain("statistic", facts.Keys);
        Assert.Equal(method == "chisquare", facts.ContainsKey("statistic"));
    }

    [Fact]
    public async Task RatingScaleChange_IsDetected_AsRatingDriftAndScaleAlert()
    {
        var (store, reference, window) = await ArrangeAsync(Plant.RatingScale);
        var report = await CheckAsync(store, reference, window);
        Assert.Contains(report.Alerts, a => a.Kind == AlertKind.FeatureDrift && a.Subject == "rating" && a.Severity == AlertSeverity.Critical);
        Assert.Contains(report.Alerts, a => a.Kind == AlertKind.FeatureDrift && a.Subject == "ratingScaleMax");
        var scale = Assert.Single(report.Alerts, a => a.Subject == "rating-scale");
        Assert.Equal("5", scale.Evidence.Facts!["referenceMax"]);
        Assert.Equal("10", scale.Evidence.Facts!["currentMax"]);
        Assert.DoesNotContain(report.Alerts, a => a.Subject is "genre" or "viewSeconds");
        Assert.True(report.RetrainRecommended);
    }

    [Fact]
    public async Task VolumeDrop_IsDetected_AgainstTheSeasonalBaseline()
    {
        var (store, reference, window) = await ArrangeAsync(Plant.VolumeDrop);
        var report = await CheckAsync(store, reference, window);
        var volume = Assert.Single(report.Alerts, a => a.Kind == AlertKind.Volume);
        Assert.InRange(report.Volume.Ratio!.Value, 0.25, 0.35);
        Assert.Equal(AlertSeverity.Warning, volume.Severity);
        Assert.Equal(ReferenceDays, report.Volume.BaselineDays);
        Assert.DoesNotContain(report.Alerts, a => a.Kind is AlertKind.FeatureDrift or AlertKind.DatasetDrift);
    }

    /// <summary>An expected number of events reads in whole events ("against 803.75 expected" read as false precision); the
    /// evidence's <c>expected</c> fact keeps the exact mean, so the ratio can still be checked.</summary>
    [Fact]
    public async Task VolumeAlertAndPage_StateTheExpectedEventsInWholeEvents()
    {
        var (store, reference, window) = await ArrangeAsync(Plant.VolumeDrop);
        // 13 h into the window: the expectation sums 13 hourly means, not a whole number (a full day of the synthetic stream is exactly 2,000).
        var report = await DriftChecker.CheckAsync(store, reference, window, time: new ManualClock(window.Start.AddHours(13)),
            cancellationToken: TestContext.Current.CancellationToken);
        var expected = report.Volume.Expected!.Value;
        Assert.NotEqual(Math.Floor(expected), expected);
        var whole = Math.Round(expected).ToString("0", CultureInfo.InvariantCulture);
        var volume = Assert.Single(report.Alerts, a => a.Kind == AlertKind.Volume);
        Assert.StartsWith($"{report.Volume.Events} events against {whole} expected (", volume.Summary, StringComparison.Ordinal);
        Assert.Equal(DriftChecker.Fmt(expected), volume.Evidence.Facts!["expected"]);
        var page = Web.DriftPage.Render([report], report.Alerts, interactive: false);
        Assert.Contains($" of the expected {whole} · baseline", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccountFromManyCountries_IsDetected_NamingTheAccount()
    {
        var (store, reference, window) = await ArrangeAsync(Plant.AccountCountries);
        var report = await CheckAsync(store, reference, window);
        var alert = Assert.Single(report.Alerts, a => a.Kind == AlertKind.AccountSharing);
        Assert.Equal("user:u-shared", alert.Subject);
        Assert.Equal(6, alert.Evidence.Score);
        Assert.Equal("BR, DE, FR, GB, IN, US", alert.Evidence.Facts!["countries"]);
    }

    [Fact]
    public async Task AccountOnManyDevices_IsDetected_NamingTheAccountAndDevices()
    {
        var (store, reference, window) = await ArrangeAsync(Plant.AccountDevices);
        var report = await CheckAsync(store, reference, window);
        var alert = Assert.Single(report.Alerts, a => a.Kind == AlertKind.AccountSharing);
        Assert.Equal("user:u-devices", alert.Subject);
        Assert.Equal("many-devices", alert.Evidence.Method);
        Assert.Equal(5, alert.Evidence.Score);
        Assert.Equal(4, alert.Evidence.Threshold);
        Assert.Equal("device-0, device-1, device-2, device-3, device-4", alert.Evidence.Facts!["devices"]);
        Assert.Equal("US", alert.Evidence.Facts!["countries"]);
        Assert.StartsWith("2024-03-29T21:00:00", alert.Evidence.Facts!["hour"]);
        Assert.DoesNotContain(report.Alerts, a => a.Kind == AlertKind.EventBurst);
    }

    [Fact]
    public async Task EventBurst_IsDetected_NamingTheAccountHourAndCount()
    {
        var (store, reference, window) = await ArrangeAsync(Plant.EventBurst);
        var report = await CheckAsync(store, reference, window);
        var alert = Assert.Single(report.Alerts, a => a.Kind == AlertKind.EventBurst);
        Assert.Equal("user:u-bot", alert.Subject);
        Assert.Equal("burst", alert.Evidence.Method);
        Assert.Equal(150, alert.Evidence.Score);
        Assert.Equal(120, alert.Evidence.Threshold);
        Assert.Equal("150", alert.Evidence.Facts!["events"]);
        Assert.StartsWith("2024-03-29T03:00:00", alert.Evidence.Facts!["hour"]);
        Assert.DoesNotContain(report.Alerts, a => a.Kind == AlertKind.AccountSharing);
    }

    [Fact]
    public async Task AccountAnomalies_BelowTheirThresholds_AreNotAlerted()
    {
        var (store, reference, window) = await ArrangeAsync(Plant.AccountDevices | Plant.EventBurst);
        var strict = new DriftChecker(store, new DriftOptions { DevicesPerHour = 6, EventsPerUserHour = 151 }, new ManualClock(Now));
        var (report, alerts) = await strict.EvaluateAsync(reference, window, TestContext.Current.CancellationToken);
        Assert.Empty(report.Accounts);
        Assert.DoesNotContain(alerts, a => a.Kind is AlertKind.AccountSharing or AlertKind.EventBurst);
    }

    /// <summary>
    /// Account anomalies are read from the window's events grouped by account and hour (a dictionary of per-hour sets cost
    /// ~1 GB at 2M events); a reference records no accounts at all. The same window read with and without accounts
    /// differs in accounts only.
    /// </summary>
    [Fact]
    public async Task Accounts_AreFoundInTheWindow_AndAReferenceReadRecordsNone()
    {
        var (store, _, window) = await ArrangeAsync(Plant.AccountCountries | Plant.AccountDevices | Plant.EventBurst);
        var batches = await MLOps.Core.Data.EventLog.ListBatchesAsync(store, TestContext.Current.CancellationToken);
        var paths = batches.Where(b => window.Covers(b.Day)).Select(b => b.Blob.Path).ToList();
        var catalog = await MLOps.Core.Data.CatalogStore.ReadAsync(store, TestContext.Current.CancellationToken);

        var judged = await WindowReader.ReadBatchesAsync(store, window, paths, catalog, new DriftOptions(), TestContext.Current.CancellationToken);
        var asReference = await WindowReader.ReadBatchesAsync(store, window, paths, catalog, new DriftOptions(), TestContext.Current.CancellationToken, accounts: false);

        Assert.Equal(["u-bot:burst", "u-devices:many-devices", "u-shared:many-countries"],
            judged.Accounts.Select(a => $"{a.UserId}:{a.Kind}").Order(StringComparer.Ordinal));
        Assert.Empty(asReference.Accounts);
        Assert.Equal(judged.Events, asReference.Events);
        Assert.Equal(judged.Features.Keys.Order(), asReference.Features.Keys.Order());
        foreach (var (name, values) in judged.Features)
        {
            Assert.Equal(values.Sorted, asReference.Features[name].Sorted);
            Assert.Equal(values.Categories?.OrderBy(c => c.Key), asReference.Features[name].Categories?.OrderBy(c => c.Key));
        }
    }

    [Fact]
    public async Task NullDevices_RaiseADataQualityAlert()
    {
        var (store, reference, window) = await ArrangeAsync(Plant.NullDevices);
        var report = await CheckAsync(store, reference, window);
        var alert = Assert.Single(report.Alerts, a => a.Subject == "nulls:device");
        Assert.Equal(AlertSeverity.Critical, alert.Severity);
    }

    [Fact]
    public async Task NoReference_ReportsNoReference_AndNeverRaisesCritical()
    {
        var (store, _, window) = await ArrangeAsync(Plant.RatingScale | Plant.VolumeDrop);
        var report = await CheckAsync(store, null, window);
        Assert.Equal("none", report.Reference.Status);
        Assert.Empty(report.Features);
        Assert.False(report.DatasetDrift);
        Assert.False(report.RetrainRecommended);
        Assert.Contains(report.Alerts, a => a.Kind == AlertKind.Volume);
        Assert.DoesNotContain(report.Alerts, a => a.Severity == AlertSeverity.Critical);
    }

    [Fact]
    public async Task Stationary_ThirtyDailyWindowsOverThreeSeeds_RaiseNoAlert()
    {
        var ct = TestContext.Current.CancellationToken;
        var falsePositives = new List<string>();
        var windows = 0;
        foreach (var seed in new[] { 1, 2, 3 })
        {
            var store = TestEnvironment.NewFolderStore();
            await Synthetic.WriteAsync(store, ReferenceDays + 30, 1500, seed);
            var reference = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, ReferenceDays), cancellationToken: ct);
            var checker = new DriftChecker(store, new DriftOptions(), new ManualClock(Now));
            for (var d = 0; d < 30; d++)
            {
                var (report, alerts) = await checker.EvaluateAsync(reference, DriftWindow.Days(Synthetic.DriftFrom(ReferenceDays).AddDays(d)), ct);
                windows++;
                falsePositives.AddRange(alerts.Select(a => $"seed {seed} {report.Window}: {a.Kind} {a.Subject} {a.Evidence.Score}"));
                Assert.False(report.DatasetDrift, report.Window);
            }
        }
        Assert.Equal(90, windows);
        Assert.True(falsePositives.Count == 0, string.Join("\n", falsePositives));
    }

    [Fact]
    public async Task Check_WritesReport_AndRepeatedCheckUpdatesTheSameAlerts()
    {
        var (store, reference, window) = await ArrangeAsync(Plant.GenreSurge);
        var first = await CheckAsync(store, reference, window);
        var second = await CheckAsync(store, reference, window);
        Assert.Equal(first.Alerts.Select(a => a.Id).Order(), second.Alerts.Select(a => a.Id).Order());
        Assert.All(second.Alerts, a => Assert.Equal(2, a.Occurrences));
        var reports = await new DriftChecker(store).RecentReportsAsync(10, TestContext.Current.CancellationToken);
        Assert.NotEmpty(reports);
    }

    [Fact]
    public async Task ChampionReference_IsFoundFromTheRegistryAndCached()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        await Synthetic.WriteAsync(store, 10, 500, 3);
        Assert.Null(await DriftReferences.ChampionAsync(store, cancellationToken: ct));
        await store.WriteTextAsync("models/recommender/aliases/champion", """{"version":3,"previousVersion":2}""", cancellationToken: ct);
        await store.WriteTextAsync("models/recommender/versions/3/manifest.json",
            """{"model":"recommender","version":3,"type":"ease","trainingSnapshotId":"snap-1","metrics":{"ndcg@10":{"value":0.4},"hit_rate@10":{"value":0.31,"lower":0.29,"upper":0.33}}}""", cancellationToken: ct);
        await store.WriteTextAsync("features/snap-1/manifest.json", """{"cutoff":"2024-03-08T00:00:00Z"}""", cancellationToken: ct);
        var reference = await DriftReferences.ChampionAsync(store, cancellationToken: ct);
        Assert.NotNull(reference);
        Assert.Equal("champion", reference.Kind);
        Assert.Equal("3", reference.ModelVersion);
        Assert.Equal("snap-1", reference.Snapshot);
        Assert.Equal(7 * 500, reference.Events);
        Assert.True(await store.ExistsAsync(DriftReferences.PathOf("snap-1"), ct));
        // The offline expectation for performance decay comes from the manifest, also when the reference is read from the cache.
        var cached = await DriftReferences.ChampionAsync(store, cancellationToken: ct);
        foreach (var r in new[] { reference, cached! })
            Assert.Equal(new OfflineMetric(0.31, 0.29, 0.33), Assert.Single(r.OfflineHitRates!).Value);
    }

    /// <summary>
    /// On a store without events the check refuses with the message every verb that needs events gives (EventsRequired;
    /// until 2026-12-08 "There are no events in the store: …", its own words), and records no report.
    /// </summary>
    [Fact]
    public async Task EmptyStore_IsRefusedWithTheSharedNoEventsMessage_AndNoReport()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => DriftChecker.CheckAsync(store, null, time: new ManualClock(Now), cancellationToken: ct));

        Assert.Equal("the store holds no events to check for drift: import some first (mlops import movielens-100k DIR, mlops import events FILE, or mlops demo).", error.Message);
        Assert.Empty(await store.ListAllAsync(DriftChecker.ReportsFolder, ct));
    }
}
