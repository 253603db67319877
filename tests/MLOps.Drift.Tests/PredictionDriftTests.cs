using MLOps.Drift.Alerts;
using MLOps.Drift.Prediction;
using MLOps.Drift.Window;
using MLOps.Tests;

namespace MLOps.Drift.Tests;

/// <summary>What is served (exposure events) against what was served in the reference: genre mix and popularity profile.</summary>
public sealed class PredictionDriftTests
{
    private const int ReferenceDays = 14;
    private static readonly DateTimeOffset Now = new(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static async Task<DriftReport> CheckAsync(Plant plant)
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        await Synthetic.WriteAsync(store, ReferenceDays + 1, 1000, seed: 5);
        await Synthetic.WriteServedAsync(store, ReferenceDays + 1, 200, seed: 6, followRate: 0.3, plant: plant, driftFromDay: ReferenceDays);
        var reference = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, ReferenceDays), cancellationToken: ct);
        Assert.NotNull(reference.Popularity);
        Assert.Equal(200, reference.Popularity.CatalogTitles);
        return await DriftChecker.CheckAsync(store, reference, DriftWindow.Days(Synthetic.DriftFrom(ReferenceDays)), time: new ManualClock(Now), cancellationToken: ct);
    }

    [Fact]
    public async Task StationaryServing_NoPredictionDrift()
    {
        var report = await CheckAsync(Plant.None);
        foreach (var name in new[] { DriftFeatures.ServedGenre, DriftFeatures.ServedPopularity })
        {
            var f = Assert.Single(report.Features, f => f.Name == name);
            Assert.Equal("jensenshannon", f.Method);
            Assert.False(f.Drifted, $"{name}: {f.Score}");
        }
        Assert.Empty(report.Alerts);
    }

    [Fact]
    public async Task ServingCollapsesOntoTheTail_PopularityProfileAlerts()
    {
        var report = await CheckAsync(Plant.ServedTail);
        var popularity = Assert.Single(report.Features, f => f.Name == DriftFeatures.ServedPopularity);
        Assert.True(popularity.Drifted);
        Assert.Equal(ServedPopularity.Bands.Order(), popularity.Bins.Select(b => b.Bin).Order());
        var alert = Assert.Single(report.Alerts, a => a.Kind == AlertKind.PredictionDrift && a.Subject == DriftFeatures.ServedPopularity);
        Assert.Equal(AlertSeverity.Critical, alert.Severity);
        var before = double.Parse(alert.Evidence.Facts!["referenceTop10Share"], System.Globalization.CultureInfo.InvariantCulture);
        var after = double.Parse(alert.Evidence.Facts!["currentTop10Share"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(before > 0.3 && after < before / 3, $"{before} → {after}");
        Assert.Contains("top 10 %", alert.Summary);
        // What is served is not the audience: no dataset drift, and prediction features never count towards it.
        Assert.False(report.DatasetDrift);
    }

    [Fact]
    public async Task ServedGenreSurge_GenreMixAlerts_NamingTheGenre()
    {
        var report = await CheckAsync(Plant.ServedGenreSurge);
        var alert = Assert.Single(report.Alerts, a => a.Kind == AlertKind.PredictionDrift && a.Subject == DriftFeatures.ServedGenre);
        Assert.Equal("Horror", alert.Evidence.TopBins![0].Bin);
        Assert.True(alert.Evidence.TopBins[0].Current > alert.Evidence.TopBins[0].Reference);
        Assert.DoesNotContain(report.Alerts, a => a.Kind == AlertKind.FeatureDrift && a.Subject == DriftFeatures.Genre);
    }
}
