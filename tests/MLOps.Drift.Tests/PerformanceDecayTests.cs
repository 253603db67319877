using MLOps.Drift.Alerts;
using MLOps.Drift.Decay;
using MLOps.Drift.Window;
using MLOps.Storage;
using MLOps.Tests;

namespace MLOps.Drift.Tests;

/// <summary>
/// Performance decay on a seeded stream of served lists whose follow-up plays come at a known rate: the cohort of lists
/// served on day D (7, after a week of reference) is judged by the check of day D + 7, when its 7-day horizon has passed.
/// </summary>
public sealed class PerformanceDecayTests
{
    private const int ReferenceDays = 7;
    private const int Horizon = 7;
    private static readonly DateTimeOffset Now = new(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, OfflineMetric> Offline = new() { ["hit_rate@10"] = new OfflineMetric(0.30, 0.28, 0.32), ["hit_rate@5"] = new OfflineMetric(0.2) };

    private static async Task<DriftReport> CheckAsync(int listsPerDay, double followRate, double? followRateAfter = null, bool offline = true)
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        var days = ReferenceDays + Horizon + 1;
        await Synthetic.WriteAsync(store, days, 500, seed: 11);
        await Synthetic.WriteServedAsync(store, days, listsPerDay, seed: 12, followRate, followRateAfter, driftFromDay: ReferenceDays);
        var reference = await DriftReferences.FromEventsAsync(store, DriftWindow.Days(Synthetic.Start, ReferenceDays), cancellationToken: ct);
        if (offline) reference = reference with { OfflineHitRates = Offline };
        return await DriftChecker.CheckAsync(store, reference, DriftWindow.Days(Synthetic.DriftFrom(ReferenceDays + Horizon)), time: new ManualClock(Now), cancellationToken: ct);
    }

    [Fact]
    public async Task PlaysFollowServedListsAtTheOfflineRate_NoAlert()
    {
        var report = await CheckAsync(listsPerDay: 400, followRate: 0.30);
        var decay = report.Decay!;
        Assert.Equal(DecayCheck.Measured, decay.Status);
        // The cohort is the day the horizon ends on: lists of day 7, judged by the check of day 14.
        Assert.Equal(Synthetic.DriftFrom(ReferenceDays), DateOnly.FromDateTime(decay.ServedFrom.UtcDateTime));
        Assert.Equal(TimeSpan.FromDays(1), decay.ServedTo - decay.ServedFrom);
        Assert.Equal(400, decay.ServedLists);
        Assert.Equal(10, decay.ListLength);
        Assert.Equal("hit_rate@10", decay.OfflineMetric);
        Assert.InRange(decay.OnlineHitRate!.Value, 0.25, 0.35);
        Assert.InRange(0.30, decay.Lower!.Value, decay.Upper!.Value);
        Assert.Equal("none", decay.Severity);
        Assert.DoesNotContain(report.Alerts, a => a.Kind is AlertKind.PerformanceDecay or AlertKind.PredictionDrift);
        Assert.False(report.RetrainRecommended);
    }

    [Fact]
    public async Task PlaysStopFollowingServedLists_RaiseCriticalDecay_WithTheEvidence()
    {
        var report = await CheckAsync(listsPerDay: 400, followRate: 0.30, followRateAfter: 0.10);
        var decay = report.Decay!;
        Assert.Equal(AlertSeverity.Critical, decay.Severity);
        Assert.True(decay.Upper < 0.30);
        Assert.InRange(decay.Ratio!.Value, 0.2, 0.5);
        var alert = Assert.Single(report.Alerts, a => a.Kind == AlertKind.PerformanceDecay);
        Assert.Equal("hit-rate", alert.Subject);
        Assert.Equal(AlertSeverity.Critical, alert.Severity);
        var facts = alert.Evidence.Facts!;
        Assert.Equal("400", facts["servedLists"]);
        Assert.Equal(DriftChecker.Fmt(decay.ListsWithPlay), facts["listsWithPlay"]);
        Assert.Equal("0.3", facts["offlineHitRate"]);
        Assert.Equal("[0.28, 0.32]", facts["offlineInterval"]);
        Assert.Equal("hit_rate@10", facts["offlineMetric"]);
        Assert.Equal(decay.OnlineHitRate, alert.Evidence.Score);
        Assert.True(report.RetrainRecommended);
        // The on-call page states it and plots online against offline.
        var page = Web.DriftPage.Render([report], report.Alerts, interactive: false);
        Assert.Contains("data-testid=\"decay-summary\"", page);
        Assert.Contains($"{decay.ListsWithPlay} of 400 lists", page);
        Assert.Contains("data-testid=\"decay-over-time\"", page);
    }

    [Fact]
    public async Task ModerateDrop_IsAWarning()
    {
        var report = await CheckAsync(listsPerDay: 400, followRate: 0.30, followRateAfter: 0.20);
        Assert.Equal(AlertSeverity.Warning, report.Decay!.Severity);
        Assert.InRange(report.Decay.Ratio!.Value, 0.5, 0.8);
        Assert.Equal(AlertSeverity.Warning, Assert.Single(report.Alerts, a => a.Kind == AlertKind.PerformanceDecay).Severity);
        Assert.False(report.RetrainRecommended);
    }

    [Fact]
    public async Task TooFewServedLists_SaysInsufficientData_AndDoesNotAlert()
    {
        // 50 lists, and none of them followed by a play: with 200 lists this would be critical.
        var report = await CheckAsync(listsPerDay: 50, followRate: 0.30, followRateAfter: 0.0);
        var decay = report.Decay!;
        Assert.Equal(DecayCheck.InsufficientData, decay.Status);
        Assert.Equal(50, decay.ServedLists);
        Assert.Equal(0, decay.ListsWithPlay);
        Assert.StartsWith("insufficient data: 50 served lists", decay.Note);
        Assert.Null(decay.OnlineHitRate);
        Assert.DoesNotContain(report.Alerts, a => a.Kind == AlertKind.PerformanceDecay);
    }

    [Fact]
    public async Task WithoutTheChampionsOfflineHitRate_DecayIsNotJudged()
    {
        var report = await CheckAsync(listsPerDay: 400, followRate: 0.30, followRateAfter: 0.0, offline: false);
        Assert.Equal(DecayCheck.NoOfflineExpectation, report.Decay!.Status);
        Assert.Equal(0, report.Decay.ListsWithPlay);
        Assert.DoesNotContain(report.Alerts, a => a.Kind == AlertKind.PerformanceDecay);
    }

    [Fact]
    public async Task WindowStillRunning_JudgesOnlyListsWhoseHorizonHasPassed()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = TestEnvironment.NewFolderStore();
        await Synthetic.WriteServedAsync(store, 10, 400, seed: 1, followRate: 0.3);
        var window = DriftWindow.Days(Synthetic.Start.AddDays(9));
        // Twelve hours into day 9: only lists of the first half of day 2 have had their 7 days.
        var report = await DriftChecker.CheckAsync(store, null, window, time: new ManualClock(window.Start.AddHours(12)), cancellationToken: ct);
        var decay = report.Decay!;
        Assert.Equal(window.Start.AddDays(-Horizon), decay.ServedFrom);
        Assert.Equal(window.Start.AddDays(-Horizon).AddHours(12), decay.ServedTo);
        Assert.InRange(decay.ServedLists, 150, 250);
        // Checked before the window starts: nothing has had its horizon.
        var early = await DriftChecker.CheckAsync(store, null, window, time: new ManualClock(window.Start), cancellationToken: ct);
        Assert.Equal(DecayCheck.NotElapsed, early.Decay!.Status);
        Assert.Equal(0, early.Decay.ServedLists);
    }
}
